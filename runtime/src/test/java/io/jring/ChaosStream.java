package io.jring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of one connection, as the chaos test models it: the sender sends the
 * position-derived pattern of {@link Payloads#patternAt}, and the receiver checks every byte
 * against the pattern at the offset it arrived at.
 *
 * <p><b>The checked prefix.</b> A send that was cancelled, timed out or failed may have been
 * partly written, so from its first byte on the stream is no longer predictable: the checked
 * prefix ends at the start of the first send that did not succeed ({@link #breakAt}). Every send
 * before it succeeded, so all of the prefix reached the socket. Receives, cancelled or not, never
 * break the stream: a cancelled or timed-out recv must lose nothing.
 *
 * <p>Mismatches are recorded, not thrown, and judged at the end ({@link #verdict()}): a send's
 * failure may be seen after the receiver already got the bytes that followed it, so only once
 * every future is done is the checked prefix known.
 *
 * <p>The sender's fields are written by one actor at a time, the receiver's by another; both
 * are read at the end, after every future completed.
 */
final class ChaosStream {
    final String name;
    final ChaosLink link;

    private volatile long offered;
    private final AtomicLong breakAt = new AtomicLong(Long.MAX_VALUE);
    private volatile String breakReason = "";

    private volatile long received;
    private volatile long firstMismatch = -1;
    private volatile String mismatchDetail = "";
    /** The receiver's last few results, for the story around a mismatch. */
    private final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
    private volatile boolean cleanEnd;
    private volatile String receiverEnd = "still receiving";

    ChaosStream(String name, ChaosLink link) {
        this.name = name;
        this.link = link;
    }

    // ---- the sender's side -----------------------------------------------------------------------

    /** Reserves the next {@code length} bytes of the stream for one send; returns their offset. */
    long claim(int length) {
        long at = offered;
        offered = at + length;
        return at;
    }

    /** The send of the bytes from {@code start} did not succeed: the checked prefix ends there. */
    void sendFailed(long start, Throwable why) {
        if (breakAt.accumulateAndGet(start, Math::min) == start) {
            breakReason = " (a send at offset " + start + " ended with " + why + ")";
        }
    }

    // ---- the receiver's side ---------------------------------------------------------------------

    /** Bytes the receiver got, in order: each must be the pattern at its stream offset. */
    void received(MemorySegment data) {
        long at = received;
        if (firstMismatch < 0) {
            for (long i = 0; i < data.byteSize(); i++) {
                if (data.get(ValueLayout.JAVA_BYTE, i) != Payloads.patternAt(at + i)) {
                    firstMismatch = at + i;
                    mismatchDetail = describe(data, i, at) + "; the receiver's last results: " + recentResults();
                    break;
                }
            }
        }
        received = at + data.byteSize();
    }

    private synchronized String recentResults() {
        return String.join(", ", recent);
    }

    /**
     * Where the wrong bytes seem to come from: the chunk they arrived in, and the stream offset
     * whose pattern they match, if any (a shift means lost or repeated bytes; none, foreign data).
     */
    private static String describe(MemorySegment chunk, long index, long chunkOffset) {
        // A long probe: the pattern repeats every 256 bytes within a 2 KiB window, so a short one
        // matches many shifts; one that crosses window boundaries pins the real one.
        int probe = (int) Math.min(4096, chunk.byteSize() - index);
        byte[] got = chunk.asSlice(index, probe).toArray(ValueLayout.JAVA_BYTE);
        String matches = "matches the stream at no offset within 1 MiB (foreign or stale bytes)";
        long at = chunkOffset + index;
        // Nearest shift first: the smallest shift that explains the bytes is the likeliest story.
        for (long distance = 1; distance < (1 << 20); distance++) {
            long candidate = at + (distance % 2 == 0 ? distance / 2 : -(distance + 1) / 2);
            if (candidate >= 0 && Payloads.firstPatternMismatch(got, probe, candidate) < 0) {
                matches = "matches the pattern at offset " + candidate + " (shift " + (candidate - at) + ")";
                break;
            }
        }
        return "in a chunk of " + chunk.byteSize() + " bytes at offset " + chunkOffset + ", byte " + index
                + " on, " + probe + " bytes starting " + java.util.HexFormat.of().formatHex(got, 0, Math.min(16, probe))
                + " " + matches;
    }

    void received(byte[] data, int offset, int length) {
        received(MemorySegment.ofArray(data).asSlice(offset, length));
    }

    /** Records a receive's result (on whichever thread it completed) for {@link #verdict()}'s story. */
    synchronized void note(String form, long count, Throwable error) {
        if (firstMismatch >= 0) {
            return; // keep the story that led to the first mismatch
        }
        if (recent.size() == 8) {
            recent.poll();
        }
        recent.add(form + (error == null ? " -> " + count : " -> " + ChaosActor.unwrap(error).getClass().getSimpleName())
                + " at " + received);
    }

    /** The receiver saw end of stream: the sender shut down or closed its side. */
    void endOfStream() {
        cleanEnd = true;
        receiverEnd = "end of stream";
    }

    /** The receiver stopped for another reason (its connection closed, reset, an error). */
    void receiverStopped(String why) {
        if (!cleanEnd) {
            receiverEnd = why;
        }
    }

    long received() {
        return received;
    }

    /**
     * Null if the stream is consistent with its model, else what is wrong. On a link that was
     * closed or reset mid-stream, a clean end proves nothing about completeness: a reset drops
     * what the sender's kernel still held, and once another call has taken the error, recv
     * answers 0 (end of stream) on the dead socket.
     */
    String verdict() {
        long prefix = Math.min(breakAt.get(), offered);
        String state = name + " on " + link + ": sent " + offered + " bytes, checked prefix " + prefix + breakReason
                + ", received " + received + " (" + receiverEnd + ")";
        if (firstMismatch >= 0 && firstMismatch < prefix) {
            return state + ": the byte at offset " + firstMismatch
                    + " is not the sender's (lost, repeated or corrupted data): " + mismatchDetail;
        }
        if (received > offered) {
            return state + ": received more bytes than were ever sent";
        }
        if (!link.disrupted() && !cleanEnd) {
            return state + ": the receiver never saw the end of a stream nobody broke";
        }
        if (!link.disrupted() && received < prefix) {
            // Every send before the prefix's end succeeded, and a clean end of stream comes after
            // all of them: the receiver lost bytes.
            return state + ": the stream ended cleanly before the checked prefix was all received";
        }
        return null;
    }
}
