package io.jring.examples.http;

import io.jring.SegmentedBuffer;

/** HTTP's line-end check over a {@link SegmentedBuffer}: every line must end with CRLF. */
final class LineEnds {
    private LineEnds() {}

    /**
     * Where the first line end that is not CRLF lies among the first {@code limit} readable bytes,
     * looking at {@code from} onwards (and at the byte just before it, for context): a LF not
     * preceded by CR, or a CR followed by anything but LF. -1 if there is none (yet): a CR that is
     * the last byte so far is not judged until the byte after it arrives, so a caller that scans
     * again from where it stopped still sees it.
     */
    static long indexOfBareLineEnd(SegmentedBuffer in, long from, long limit) {
        long start = Math.max(0, from - 1);
        BareLineEnd finder = new BareLineEnd(start);
        return in.forEachByte(start, limit, finder) < 0 ? -1 : finder.found;
    }

    /** Judges each byte together with the one before it; stops at the first bare CR or LF. */
    private static final class BareLineEnd implements SegmentedBuffer.ByteProcessor {
        private final long start;
        private long at;
        private byte previous;
        long found = -1;

        BareLineEnd(long start) {
            this.start = start;
            this.at = start;
        }

        @Override
        public boolean process(byte b) {
            // The byte at start is only context for the next one, unless it is the very first byte.
            if (at > start || start == 0) {
                if (b == '\n' && (at == 0 || previous != '\r')) {
                    found = at;
                    return false;
                }
                if (previous == '\r' && b != '\n' && at > 0) {
                    found = at - 1;
                    return false;
                }
            }
            previous = b;
            at++;
            return true;
        }
    }
}
