package io.jring.examples.http;

import io.jring.IoBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;

/**
 * Received bytes not yet consumed, kept as the chain of pooled blocks that {@code recv()} handed
 * us: the segmented buffer of the seed article. Each block keeps its own reader and writer
 * index; reading advances the head block and gives it back to the pool once drained, so memory
 * follows what is buffered, not the largest request ever seen.
 *
 * <p>The parser works on it in place: {@link #indexOf} scans for a delimiter across block
 * boundaries, {@link #readLatin1} copies out only a short line, and {@link #moveTo} hands whole
 * blocks of a request body on to the response without copying them. Loop thread only.
 */
final class SegmentedBuffer {
    private final ArrayDeque<IoBuffer> blocks = new ArrayDeque<>();
    private long readable;

    long readableBytes() {
        return readable;
    }

    /**
     * Takes ownership of a received block. When its bytes fit in the free room of the tail they
     * are copied there and the block goes straight back to the pool: a client trickling one
     * byte per packet would otherwise pin a whole 16 KiB block per byte.
     */
    void append(IoBuffer block) {
        int n = block.readableBytes();
        IoBuffer tail = blocks.peekLast();
        if (n == 0) {
            block.release();
        } else if (tail != null && n <= tail.writableBytes()) {
            tail.write(block.readableSegment());
            block.release();
        } else {
            blocks.addLast(block);
        }
        readable += n;
    }

    /** The byte {@code index} bytes past the read position. */
    byte byteAt(long index) {
        for (IoBuffer block : blocks) {
            if (index < block.readableBytes()) {
                return block.getByte(block.readerIndex() + (int) index);
            }
            index -= block.readableBytes();
        }
        throw new IndexOutOfBoundsException("index " + index + " past the readable bytes");
    }

    /**
     * Where {@code pattern} first starts at or after {@code from}, looking only at the first
     * {@code limit} readable bytes; -1 if it is not there (yet). A match may straddle any number
     * of blocks: the scan carries its partial match (a KMP state) from one block to the next.
     */
    long indexOf(byte[] pattern, long from, long limit) {
        int[] fallback = fallback(pattern);
        long end = Math.min(limit, readable);
        long position = 0;
        int matched = 0;
        for (IoBuffer block : blocks) {
            int r = block.readerIndex();
            int w = block.writerIndex();
            long blockEnd = position + (w - r);
            if (blockEnd > from) {
                MemorySegment memory = block.segment();
                for (int i = r + (int) Math.max(0, from - position); i < w; i++) {
                    long at = position + (i - r);
                    if (at >= end) {
                        return -1;
                    }
                    byte b = memory.get(ValueLayout.JAVA_BYTE, i);
                    while (matched > 0 && b != pattern[matched]) {
                        matched = fallback[matched - 1];
                    }
                    if (b == pattern[matched] && ++matched == pattern.length) {
                        return at - pattern.length + 1;
                    }
                }
            }
            position = blockEnd;
        }
        return -1;
    }

    /**
     * Where the first line end that is not CRLF lies among the first {@code limit} readable bytes,
     * looking at {@code from} onwards (and at the byte just before it, for context): a LF not
     * preceded by CR, or a CR followed by anything but LF. -1 if there is none (yet): a CR that is
     * the last byte so far is not judged until the byte after it arrives, so a caller that scans
     * again from where it stopped still sees it.
     */
    long indexOfBareLineEnd(long from, long limit) {
        long end = Math.min(limit, readable);
        long start = Math.max(0, from - 1);
        long position = 0;
        byte previous = 0;
        for (IoBuffer block : blocks) {
            int r = block.readerIndex();
            int w = block.writerIndex();
            long blockEnd = position + (w - r);
            if (blockEnd > start) {
                MemorySegment memory = block.segment();
                for (int i = r + (int) Math.max(0, start - position); i < w; i++) {
                    long at = position + (i - r);
                    if (at >= end) {
                        return -1;
                    }
                    byte b = memory.get(ValueLayout.JAVA_BYTE, i);
                    if (at > start || start == 0) {
                        if (b == '\n' && (at == 0 || previous != '\r')) {
                            return at;
                        }
                        if (previous == '\r' && b != '\n' && at > 0) {
                            return at - 1;
                        }
                    }
                    previous = b;
                }
            }
            position = blockEnd;
        }
        return -1;
    }

    /** Consumes {@code n} bytes as a Latin-1 string: HTTP's header lines are octets, not UTF-8. */
    String readLatin1(int n) {
        byte[] bytes = new byte[n];
        int copied = 0;
        while (copied < n) {
            IoBuffer head = blocks.peekFirst();
            int take = Math.min(n - copied, head.readableBytes());
            MemorySegment.copy(head.segment(), ValueLayout.JAVA_BYTE, head.readerIndex(), bytes, copied, take);
            copied += take;
            consumeFromHead(take);
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Consumes {@code n} bytes, releasing every block drained on the way. */
    void skip(long n) {
        while (n > 0) {
            int take = (int) Math.min(n, blocks.peekFirst().readableBytes());
            consumeFromHead(take);
            n -= take;
        }
    }

    /**
     * Moves {@code n} bytes to the end of {@code out}, which then owns them. A block lying wholly
     * inside the range changes hands as it is (no copy); only the edge of a block that also
     * holds the next request's bytes is copied, into the last buffer of {@code out} while it has
     * room, else into one from {@code allocate}.
     */
    void moveTo(List<IoBuffer> out, long n, Supplier<IoBuffer> allocate) {
        while (n > 0) {
            IoBuffer head = blocks.peekFirst();
            if (head.readableBytes() <= n) {
                blocks.pollFirst();
                readable -= head.readableBytes();
                n -= head.readableBytes();
                out.add(head);
                continue;
            }
            IoBuffer last = out.isEmpty() ? null : out.getLast();
            if (last == null || last.writableBytes() == 0) {
                last = allocate.get();
                out.add(last);
            }
            int take = (int) Math.min(n, last.writableBytes());
            last.write(head.segment().asSlice(head.readerIndex(), take));
            consumeFromHead(take);
            n -= take;
        }
    }

    /** Gives every block back to the pool (the connection is done). */
    void release() {
        IoBuffer block;
        while ((block = blocks.pollFirst()) != null) {
            block.release();
        }
        readable = 0;
    }

    /** Blocks held right now (for tests). */
    int blockCount() {
        return blocks.size();
    }

    private void consumeFromHead(int n) {
        IoBuffer head = blocks.peekFirst();
        head.skip(n);
        readable -= n;
        if (head.readableBytes() == 0) {
            blocks.pollFirst().release();
        }
    }

    /** KMP's table: after a mismatch with {@code i + 1} bytes matched, how many still match. */
    private static int[] fallback(byte[] pattern) {
        int[] table = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = table[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            table[i] = k;
        }
        return table;
    }
}
