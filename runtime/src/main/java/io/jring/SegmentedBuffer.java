package io.jring;

import io.jring.op.SendvOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Received bytes not yet consumed, kept as the chain of pooled blocks {@code recv()} handed
 * over: a segmented buffer. Appending takes a received {@link IoBuffer} as it is (no copy);
 * reading advances the head block and gives it back to the pool as soon as it is drained, so
 * memory follows what is buffered, not the largest message ever seen.
 *
 * <pre>{@code
 * SegmentedBuffer in = new SegmentedBuffer(conn::allocate);
 * conn.recv().thenAccept(buf -> {
 *     in.append(buf);                                 // takes ownership of buf
 *     long eol;
 *     while ((eol = in.indexOf((byte) '\n')) >= 0) {  // a line may straddle any number of blocks
 *         String line = in.readString((int) eol, StandardCharsets.UTF_8);
 *         in.skip(1);
 *         ...
 *     }
 * });
 * }</pre>
 *
 * <p>Scans ({@link #indexOf(byte[])}, {@link #forEachByte}) and reads ({@link #readInt()},
 * {@link #readString}) work across block edges. {@link #readBuffers(long)} splits off a prefix
 * as whole blocks without copying (only a block that also holds bytes after the prefix is
 * copied at its edge, into a block from the allocator given to the constructor), and
 * {@link #sendTo(Connection)} sends everything with one gathering {@code sendmsg}.
 *
 * <p><b>Ownership.</b> The buffer owns its blocks: {@link #release()} gives them all back. After
 * that every call throws {@link IllegalStateException}, as a released {@link IoBuffer} does.
 * Appending a buffer you do not own (released, taken by a send, lent to a receive) throws
 * {@code IllegalStateException} naming why, and appends nothing. Reading past the readable
 * bytes throws {@link IndexOutOfBoundsException} and consumes nothing.
 *
 * <p>Not thread-safe: use it on one thread at a time, normally the connection's loop thread
 * (where its receive stages run).
 */
public final class SegmentedBuffer {
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Looks at bytes one by one for {@link #forEachByte}; returns false to stop at this byte. */
    @FunctionalInterface
    public interface ByteProcessor {
        /**
         * Looks at one byte; true to go on to the next, false to stop here.
         *
         * @param value the byte
         * @return true to go on, false to stop at this byte
         */
        boolean process(byte value);
    }

    private final ArrayDeque<IoBuffer> blocks = new ArrayDeque<>();
    private final Supplier<IoBuffer> allocator;
    private long readable;
    private boolean released;

    /**
     * An empty buffer. {@code allocator} (usually {@code connection::allocate}) gives the blocks
     * that {@link #readBuffers} copies a partial edge block into; nothing else allocates.
     *
     * @param allocator where edge copies get their blocks, e.g. {@code connection::allocate}
     */
    public SegmentedBuffer(Supplier<IoBuffer> allocator) {
        if (allocator == null) {
            throw new NullPointerException("allocator (for example connection::allocate)");
        }
        this.allocator = allocator;
    }

    /**
     * Takes ownership of {@code buffer} and appends its readable bytes. A few bytes that fit in
     * the free room of the last block are copied there and {@code buffer} is released at once: a
     * peer trickling one byte per packet would otherwise pin a whole block per byte.
     *
     * @param buffer a buffer you own, usually from {@code recv()}; this takes it
     * @return this buffer
     * @throws IllegalStateException    this buffer was released, or the caller does not own {@code buffer}
     * @throws IllegalArgumentException {@code buffer} is {@link IoBuffer#END_OF_STREAM}, which holds no bytes
     */
    public SegmentedBuffer append(IoBuffer buffer) {
        checkUsable();
        if (buffer.isEndOfStream()) {
            throw new IllegalArgumentException("END_OF_STREAM holds no bytes: check isEndOfStream() before appending");
        }
        buffer.segment(); // throws, naming why, unless the caller owns it
        int n = buffer.readableBytes();
        IoBuffer tail = blocks.peekLast();
        if (n == 0) {
            buffer.release();
        } else if (tail != null && tail != buffer && n <= tail.writableBytes()) {
            tail.write(buffer.readableSegment());
            buffer.release();
        } else {
            if (blocks.contains(buffer)) {
                throw new IllegalStateException("cannot append " + buffer + ": this segmented buffer holds it already");
            }
            blocks.addLast(buffer);
        }
        readable += n;
        return this;
    }

    /**
     * The bytes appended and not yet consumed.
     *
     * @return the readable byte count
     */
    public long readableBytes() {
        checkUsable();
        return readable;
    }

    /**
     * True when no byte is readable.
     *
     * @return whether no byte is readable
     */
    public boolean isEmpty() {
        return readableBytes() == 0;
    }

    /**
     * Blocks held now: drained ones are already back in the pool.
     *
     * @return the number of blocks held
     */
    public int blockCount() {
        checkUsable();
        return blocks.size();
    }

    /**
     * The byte {@code index} bytes past the read position (nothing is consumed).
     *
     * @param index the offset from the read position
     * @return the byte there
     */
    public byte getByte(long index) {
        checkReadable(index, 1);
        for (IoBuffer block : blocks) {
            if (index < block.readableBytes()) {
                return block.getByte(block.readerIndex() + (int) index);
            }
            index -= block.readableBytes();
        }
        throw new AssertionError("unreachable: index checked against the readable bytes");
    }

    /**
     * Where {@code value} first occurs among the readable bytes, or -1.
     *
     * @param value the byte to find
     * @return its index from the read position, or -1
     */
    public long indexOf(byte value) {
        return forEachByte(0, Long.MAX_VALUE, b -> b != value);
    }

    /**
     * Where {@code pattern} first starts among the readable bytes, or -1 (not there yet).
     *
     * @param pattern the bytes to find (not empty)
     * @return the index of its first byte from the read position, or -1
     */
    public long indexOf(byte[] pattern) {
        return indexOf(pattern, 0, Long.MAX_VALUE);
    }

    /**
     * Where {@code pattern} first starts at or after {@code from}, looking only at the first
     * {@code limit} readable bytes (a match must end within them); -1 if it is not there (yet). A
     * match may straddle any number of blocks: the scan carries its partial match from one block
     * to the next (Knuth-Morris-Pratt), so it never looks at a byte twice.
     *
     * @param pattern the bytes to find (not empty)
     * @param from    the first index a match may start at
     * @param limit   how many readable bytes to look at, from the read position
     * @return the index of the match's first byte, or -1
     */
    public long indexOf(byte[] pattern, long from, long limit) {
        checkUsable();
        if (pattern.length == 0) {
            throw new IllegalArgumentException("empty pattern");
        }
        int[] fallback = fallback(pattern);
        int[] matched = {0};
        long at = forEachByte(from, limit, b -> {
            int m = matched[0];
            while (m > 0 && b != pattern[m]) {
                m = fallback[m - 1];
            }
            if (b == pattern[m]) {
                m++;
            }
            matched[0] = m;
            return m < pattern.length;
        });
        return at < 0 ? -1 : at - pattern.length + 1;
    }

    /**
     * Shows {@code processor} the readable bytes from index {@code from} up to (not including)
     * {@code to} (both clamped to the readable bytes), block by block without copying, until it
     * returns false. Returns the index of the byte it stopped at, or -1 if it never stopped.
     *
     * @param from      the first index to show
     * @param to        the index to stop before
     * @param processor what looks at the bytes
     * @return the index it stopped at, or -1
     */
    public long forEachByte(long from, long to, ByteProcessor processor) {
        checkUsable();
        if (from < 0) {
            throw new IndexOutOfBoundsException("from " + from + " is negative");
        }
        long end = Math.min(to, readable);
        long position = 0;
        for (IoBuffer block : blocks) {
            if (position >= end) {
                break;
            }
            int r = block.readerIndex();
            long blockEnd = position + block.readableBytes();
            if (blockEnd > from) {
                MemorySegment memory = block.segment();
                int first = r + (int) Math.max(0, from - position);
                int last = r + (int) (Math.min(blockEnd, end) - position);
                for (int i = first; i < last; i++) {
                    if (!processor.process(memory.get(ValueLayout.JAVA_BYTE, i))) {
                        return position + (i - r);
                    }
                }
            }
            position = blockEnd;
        }
        return -1;
    }

    /**
     * Consumes one byte.
     *
     * @return the byte
     */
    public byte readByte() {
        checkReadable(0, 1);
        IoBuffer head = blocks.peekFirst();
        byte value = head.getByte(head.readerIndex());
        consumeFromHead(1);
        return value;
    }

    /**
     * Two bytes, big-endian (network order), wherever the blocks are cut.
     *
     * @return the value
     */
    public short readShort() {
        checkReadable(0, 2);
        IoBuffer head = blocks.peekFirst();
        if (head.readableBytes() >= 2) {
            short value = head.segment().get(SHORT_BE, head.readerIndex());
            consumeFromHead(2);
            return value;
        }
        return (short) readAcross(2);
    }

    /**
     * Four bytes, big-endian (network order), wherever the blocks are cut.
     *
     * @return the value
     */
    public int readInt() {
        checkReadable(0, 4);
        IoBuffer head = blocks.peekFirst();
        if (head.readableBytes() >= 4) {
            int value = head.segment().get(INT_BE, head.readerIndex());
            consumeFromHead(4);
            return value;
        }
        return (int) readAcross(4);
    }

    /**
     * Eight bytes, big-endian (network order), wherever the blocks are cut.
     *
     * @return the value
     */
    public long readLong() {
        checkReadable(0, 8);
        IoBuffer head = blocks.peekFirst();
        if (head.readableBytes() >= 8) {
            long value = head.segment().get(LONG_BE, head.readerIndex());
            consumeFromHead(8);
            return value;
        }
        return readAcross(8);
    }

    /**
     * Consumes {@code n} bytes into a new array.
     *
     * @param n how many bytes
     * @return a new array of them
     */
    public byte[] readBytes(int n) {
        checkReadable(0, n);
        byte[] bytes = new byte[n];
        int copied = 0;
        while (copied < n) {
            IoBuffer head = blocks.peekFirst();
            int take = Math.min(n - copied, head.readableBytes());
            MemorySegment.copy(head.segment(), ValueLayout.JAVA_BYTE, head.readerIndex(), bytes, copied, take);
            copied += take;
            consumeFromHead(take);
        }
        return bytes;
    }

    /**
     * Consumes {@code n} bytes and decodes them with {@code charset}.
     *
     * @param n       how many bytes
     * @param charset how they are encoded
     * @return the decoded text
     */
    public String readString(int n, Charset charset) {
        return new String(readBytes(n), charset);
    }

    /**
     * Consumes {@code n} bytes, releasing every block drained on the way.
     *
     * @param n how many bytes
     * @return this buffer
     */
    public SegmentedBuffer skip(long n) {
        checkReadable(0, n);
        while (n > 0) {
            int take = (int) Math.min(n, blocks.peekFirst().readableBytes());
            consumeFromHead(take);
            n -= take;
        }
        return this;
    }

    /**
     * Splits off the first {@code n} bytes as buffers the caller owns: {@link #readBuffers(long, List)} into a new list.
     *
     * @param n how many bytes
     * @return buffers holding them, in order, which you own
     */
    public List<IoBuffer> readBuffers(long n) {
        List<IoBuffer> out = new ArrayList<>();
        readBuffers(n, out);
        return out;
    }

    /**
     * Moves the first {@code n} bytes to the end of {@code out}, whose caller then owns them. A
     * block lying wholly inside them changes hands as it is (no copy); only the edge of a block
     * that also holds later bytes is copied: into the last buffer of {@code out} while it has room,
     * else into a block from the allocator.
     *
     * @param n   how many bytes
     * @param out where the buffers go; you own them
     * @throws BufferPoolExhaustedException the allocator had no block for the edge; what was moved
     *         before it stays in {@code out}, the rest here
     */
    public void readBuffers(long n, List<IoBuffer> out) {
        checkReadable(0, n);
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
                last = allocator.get();
                out.add(last);
            }
            int take = (int) Math.min(n, last.writableBytes());
            last.write(head.segment().asSlice(head.readerIndex(), take));
            consumeFromHead(take);
            n -= take;
        }
    }

    /**
     * Sends every readable byte on {@code connection} and leaves this buffer empty: the blocks go
     * to {@link Connection#sendv} as they are, in one gathering sendmsg (several, one after the
     * other, past {@code sendv}'s limit of blocks per call), which releases them when it ends. The
     * future completes when all are sent; if one gather fails it fails, and since the later ones
     * may still go out, the stream then has a gap: close the connection. An empty buffer sends
     * nothing and returns a completed future. With one gather (up to 1020 blocks of 16 KiB) the
     * future is sendv's own, so {@code cancel(true)} cancels the kernel send; with several, or
     * none, it is an ordinary future of your own that only reports the outcome.
     *
     * @param connection where to send; its runtime must be the blocks' runtime
     * @return completes when every byte is sent
     */
    public CompletableFuture<Void> sendTo(Connection connection) {
        return sendTo(connection, null);
    }

    /**
     * {@link #sendTo(Connection)} with a deadline for each gather ({@link Connection#sendv(Duration, IoBuffer...)}).
     *
     * @param connection where to send; its runtime must be the blocks' runtime
     * @param timeout    the deadline of each gather
     * @return completes when every byte is sent
     */
    public CompletableFuture<Void> sendTo(Connection connection, Duration timeout) {
        checkUsable();
        if (blocks.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        int perGather = SendvOp.maxBuffers(blocks.peekFirst().capacity());
        List<CompletableFuture<Void>> gathers = new ArrayList<>();
        while (!blocks.isEmpty()) {
            IoBuffer[] batch = new IoBuffer[Math.min(perGather, blocks.size())];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = blocks.pollFirst();
                readable -= batch[i].readableBytes();
            }
            gathers.add(timeout == null ? connection.sendv(batch) : connection.sendv(timeout, batch));
        }
        if (gathers.size() == 1) {
            return gathers.getFirst();
        }
        return CompletableFuture.allOf(gathers.toArray(CompletableFuture[]::new));
    }

    /** Gives every block back to the pool. Afterwards every call throws IllegalStateException; releasing again does nothing. */
    public void release() {
        released = true;
        IoBuffer block;
        while ((block = blocks.pollFirst()) != null) {
            block.release();
        }
        readable = 0;
    }

    /**
     * True once {@link #release()} was called.
     *
     * @return whether it was released
     */
    public boolean isReleased() {
        return released;
    }

    @Override
    public String toString() {
        return "SegmentedBuffer[readable=" + readable + ", blocks=" + blocks.size() + (released ? ", released" : "") + "]";
    }

    /** Assembles {@code n} big-endian bytes that straddle a block edge. */
    private long readAcross(int n) {
        long value = 0;
        for (int i = 0; i < n; i++) {
            value = value << 8 | (readByte() & 0xFF);
        }
        return value;
    }

    private void consumeFromHead(int n) {
        IoBuffer head = blocks.peekFirst();
        head.skip(n);
        readable -= n;
        if (head.readableBytes() == 0) {
            blocks.pollFirst().release();
        }
    }

    private void checkUsable() {
        if (released) {
            throw new IllegalStateException("cannot use " + this + ": it was released (its blocks are back in the pool)");
        }
    }

    private void checkReadable(long index, long n) {
        checkUsable();
        if (index < 0 || n < 0 || index + n > readable) {
            throw new IndexOutOfBoundsException("need " + n + " bytes at index " + index + ", have " + readable + " readable");
        }
    }

    /** Knuth-Morris-Pratt's table: after a mismatch with {@code i + 1} bytes matched, how many still match. */
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
