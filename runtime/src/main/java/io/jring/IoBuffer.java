package io.jring;

import io.jring.buffer.BufferAccess;
import io.jring.buffer.Buffers;
import io.jring.buffer.LeakTracker;
import io.jring.loop.BufferPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A pooled block of native memory with a reader and a writer index, like Netty's ByteBuf:
 * bytes between {@code readerIndex} and {@code writerIndex} are readable, the rest of the
 * capacity is writable.
 *
 * <p><b>Ownership, enforced.</b> A buffer has one owner at a time, and the runtime checks it:
 *
 * <ul>
 *   <li>{@link Connection#recv()} and {@link Connection#allocate()} hand you a buffer: you own
 *       it and must {@link #release()} it once.
 *   <li>{@link Connection#send(IoBuffer)} and {@link Connection#sendv} <em>take</em> ownership:
 *       the runtime releases the buffer when the send ends, however it ends. Reading, writing or
 *       releasing it after the call throws {@link IllegalStateException}.
 *   <li>{@link Connection#recv(IoBuffer)} <em>lends</em> it: it is yours again when the future
 *       completes. Until then every access throws. If you cancel that receive you may release
 *       the buffer at once; the block returns to the pool only when the kernel has given it up.
 *   <li>After {@link #release()}, every access throws: the block may already hold another
 *       connection's bytes.
 * </ul>
 *
 * <p><b>Views.</b> {@link #segment()}, {@link #readableSegment()}, {@link #writableSegment()}
 * and {@link #asByteBuffer()} return views without copying, checked when you ask for them. A
 * view cannot be revoked, so it is valid only while you own the buffer: not after
 * {@link #release()}, and not while an operation holds the buffer. The copying methods
 * ({@link #toByteArray()}, {@link #write}) are always checked.
 *
 * <p><b>Leaks.</b> A buffer that becomes garbage without {@code release()} is reported with the
 * place it was handed out (one buffer in 1024 is tracked by default;
 * {@code -Djring.leakDetection=full} tracks every one, {@code off} none), and
 * {@link IoRuntime#close()} reports buffers still held.
 *
 * <p>A buffer is not thread-safe: hand it from one thread to the next, do not share it.
 */
public final class IoBuffer {
    /** The result of {@link Connection#recv()} once the peer has shut down its output. */
    public static final IoBuffer END_OF_STREAM = new IoBuffer(null, -1, MemorySegment.NULL, null);

    // The owner of the block. Transitions are CASes: a user may release from any thread.
    private static final int OWNED = 0;
    /** Taken by a send: the operation releases it when it ends. */
    private static final int HANDED_OVER = 1;
    /** Lent to a receive (or held by the runtime for the kernel): comes back when it ends. */
    private static final int LENT = 2;
    /** Released while lent, after its operation's future ended: freed when the kernel is done. */
    private static final int LENT_RELEASE_PENDING = 3;
    private static final int RELEASED = 4;
    /** Lent to a receive the user has cancelled: still the kernel's, but the user may release it. */
    private static final int LENT_ABANDONED = 5;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(IoBuffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        Buffers.install(new Access());
    }

    private final BufferPool pool;
    private final int block;
    private final MemorySegment memory;
    /** Set when this buffer is tracked for leaks (sampled), else null. */
    private final LeakTracker.Record leak;
    private int readerIndex;
    private int writerIndex;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    private IoBuffer(BufferPool pool, int block, MemorySegment memory, LeakTracker.Record leak) {
        this.pool = pool;
        this.block = block;
        this.memory = memory;
        this.leak = leak;
    }

    /**
     * Whether this is the end-of-stream marker.
     *
     * @return true only for {@link #END_OF_STREAM}
     */
    public boolean isEndOfStream() {
        return this == END_OF_STREAM;
    }

    /**
     * The size of the block.
     *
     * @return the capacity in bytes (the runtime's buffer size, 16 KiB by default)
     */
    public int capacity() {
        return (int) memory.byteSize();
    }

    /**
     * Where reading starts.
     *
     * @return the index of the first readable byte
     */
    public int readerIndex() {
        return readerIndex;
    }

    /**
     * Where writing starts.
     *
     * @return the index after the last readable byte
     */
    public int writerIndex() {
        return writerIndex;
    }

    /**
     * How many bytes are readable.
     *
     * @return {@code writerIndex() - readerIndex()}
     */
    public int readableBytes() {
        return writerIndex - readerIndex;
    }

    /**
     * How many more bytes fit.
     *
     * @return {@code capacity() - writerIndex()}
     */
    public int writableBytes() {
        return capacity() - writerIndex;
    }

    /**
     * Moves the reader index.
     *
     * @param index the new reader index, between 0 and {@link #writerIndex()}
     * @return this buffer
     * @throws IndexOutOfBoundsException outside that range
     * @throws IllegalStateException if you do not own the buffer
     */
    public IoBuffer readerIndex(int index) {
        checkOwned();
        if (index < 0 || index > writerIndex) {
            throw new IndexOutOfBoundsException("readerIndex " + index + " outside [0, " + writerIndex + "]");
        }
        readerIndex = index;
        return this;
    }

    /**
     * Moves the writer index, for instance after writing through {@link #writableSegment()}.
     *
     * @param index the new writer index, between {@link #readerIndex()} and {@link #capacity()}
     * @return this buffer
     * @throws IndexOutOfBoundsException outside that range
     * @throws IllegalStateException if you do not own the buffer
     */
    public IoBuffer writerIndex(int index) {
        checkOwned();
        setWriterIndex(index);
        return this;
    }

    private void setWriterIndex(int index) {
        if (index < readerIndex || index > capacity()) {
            throw new IndexOutOfBoundsException("writerIndex " + index + " outside [" + readerIndex + ", " + capacity() + "]");
        }
        writerIndex = index;
    }

    /**
     * Marks readable bytes as consumed.
     *
     * @param n how many, at most {@link #readableBytes()}
     * @return this buffer
     */
    public IoBuffer skip(int n) {
        return readerIndex(readerIndex + n);
    }

    /**
     * Empties the buffer: both indexes back to 0 (the bytes stay, unzeroed).
     *
     * @return this buffer
     */
    public IoBuffer clear() {
        checkOwned();
        readerIndex = 0;
        writerIndex = 0;
        return this;
    }

    /**
     * The whole block, regardless of the indexes: bytes outside them are stale, not zeroed.
     *
     * @return a view valid while you own the buffer
     */
    public MemorySegment segment() {
        checkOwned();
        return memory;
    }

    /**
     * The readable bytes as a slice, without copying.
     *
     * @return a view valid while you own the buffer
     */
    public MemorySegment readableSegment() {
        checkOwned();
        return memory.asSlice(readerIndex, readableBytes());
    }

    /**
     * The writable tail as a slice, without copying; move {@link #writerIndex(int)} after
     * writing into it.
     *
     * @return a view valid while you own the buffer
     */
    public MemorySegment writableSegment() {
        checkOwned();
        return memory.asSlice(writerIndex, writableBytes());
    }

    /**
     * Reads one byte anywhere in the block (the indexes do not move).
     *
     * @param index from 0 to {@code capacity() - 1}
     * @return the byte
     */
    public byte getByte(int index) {
        checkOwned();
        return memory.get(ValueLayout.JAVA_BYTE, index);
    }

    /**
     * Appends bytes at the writer index.
     *
     * @param bytes where they come from
     * @param offset the first one
     * @param length how many
     * @return this buffer
     * @throws IndexOutOfBoundsException if they do not fit in {@link #writableBytes()}
     */
    public IoBuffer write(byte[] bytes, int offset, int length) {
        checkOwned();
        ensureWritable(length);
        MemorySegment.copy(bytes, offset, memory, ValueLayout.JAVA_BYTE, writerIndex, length);
        writerIndex += length;
        return this;
    }

    /**
     * Appends all of {@code bytes}.
     *
     * @param bytes the bytes
     * @return this buffer
     */
    public IoBuffer write(byte[] bytes) {
        return write(bytes, 0, bytes.length);
    }

    /**
     * Appends {@code text} encoded as UTF-8.
     *
     * @param text the text
     * @return this buffer
     */
    public IoBuffer write(String text) {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends a copy of {@code source}'s bytes.
     *
     * @param source any segment, heap or native
     * @return this buffer
     */
    public IoBuffer write(MemorySegment source) {
        checkOwned();
        int length = Math.toIntExact(source.byteSize());
        ensureWritable(length);
        MemorySegment.copy(source, 0, memory, writerIndex, length);
        writerIndex += length;
        return this;
    }

    /**
     * Appends the remaining bytes of {@code source} and consumes them (its position moves to its
     * limit).
     *
     * @param source a heap or direct buffer
     * @return this buffer
     */
    public IoBuffer write(ByteBuffer source) {
        write(MemorySegment.ofBuffer(source));
        source.position(source.limit());
        return this;
    }

    /**
     * Copies the readable bytes out (the indexes do not move).
     *
     * @return a new array
     */
    public byte[] toByteArray() {
        return readableSegment().toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Decodes the readable bytes (the indexes do not move).
     *
     * @param charset how they are encoded
     * @return the text
     */
    public String toString(Charset charset) {
        return new String(toByteArray(), charset);
    }

    /**
     * The readable bytes as a ByteBuffer, without copying.
     *
     * @return a view valid while you own the buffer
     */
    public ByteBuffer asByteBuffer() {
        return readableSegment().asByteBuffer();
    }

    /**
     * Gives the buffer back: to the pool now, or, if you cancelled the receive it was lent to,
     * as soon as the kernel has given it up. Throws {@link IllegalStateException} if it was
     * released already, if a send took it, or if a receive still running holds it.
     */
    public void release() {
        if (pool == null) {
            return; // END_OF_STREAM and other constants own no memory
        }
        while (true) {
            int s = (int) STATE.getVolatile(this);
            switch (s) {
                case OWNED -> {
                    if (STATE.compareAndSet(this, OWNED, RELEASED)) {
                        recycle();
                        return;
                    }
                }
                case LENT_ABANDONED -> {
                    // The user cancelled the receive; the kernel may still write: free it later.
                    if (STATE.compareAndSet(this, LENT_ABANDONED, LENT_RELEASE_PENDING)) {
                        return;
                    }
                }
                default -> throw misuse("release", s);
            }
        }
    }

    /**
     * Whether {@link #release()} was called.
     *
     * @return true once released (the block may still be with the kernel)
     */
    public boolean isReleased() {
        int s = (int) STATE.getVolatile(this);
        return s == RELEASED || s == LENT_RELEASE_PENDING;
    }

    private void checkOwned() {
        // A plain load, not a volatile one. Every change of owner that the using thread must see
        // is either its own (send, recv(into), release: program order) or reaches it through the
        // future that hands the buffer back (a happens-before edge), so a correct program sees the
        // right state either way; a racy one (another thread releasing a buffer this one reads,
        // with nothing between them) is caught only by chance either way. A volatile load would
        // also pin every access of a byte loop in place: the JIT could not hoist this check, nor
        // the segment's own bounds and liveness checks, out of the loop.
        int s = (int) STATE.get(this);
        if (s != OWNED) {
            throw misuse("use", s);
        }
    }

    private IllegalStateException misuse(String what, int s) {
        String why = switch (s) {
            case HANDED_OVER -> "a send took it (send releases it when it ends; do not touch it after send)";
            case LENT, LENT_ABANDONED -> "a receive still running holds it (wait for its future, or cancel it first)";
            case LENT_RELEASE_PENDING, RELEASED -> "it was released (its block may already hold other bytes)";
            default -> "state " + s;
        };
        return new IllegalStateException("cannot " + what + " " + this + ": " + why);
    }

    private void recycle() {
        if (leak != null) {
            leak.released();
        }
        pool.recycle(block);
    }

    private void ensureWritable(int length) {
        if (length > writableBytes()) {
            throw new IndexOutOfBoundsException("need " + length + " writable bytes, have " + writableBytes());
        }
    }

    @Override
    public String toString() {
        return isEndOfStream() ? "IoBuffer[END_OF_STREAM]"
                : "IoBuffer[r=" + readerIndex + ", w=" + writerIndex + ", cap=" + capacity() + "]";
    }

    /** The runtime's side of a buffer, reachable only through {@link Buffers}. */
    private static final class Access implements BufferAccess {
        @Override
        public IoBuffer create(BufferPool pool, int block, MemorySegment memory, LeakTracker.Record leak) {
            return new IoBuffer(pool, block, memory, leak);
        }

        @Override
        public MemorySegment memory(IoBuffer b) {
            return b.memory;
        }

        @Override
        public BufferPool pool(IoBuffer b) {
            return b.pool;
        }

        @Override
        public int block(IoBuffer b) {
            return b.block;
        }

        @Override
        public void setWriterIndex(IoBuffer b, int index) {
            b.setWriterIndex(index);
        }

        @Override
        public void takeForSend(IoBuffer b) {
            if (b.pool == null || !STATE.compareAndSet(b, OWNED, HANDED_OVER)) {
                throw b.misuse("send", b.pool == null ? -1 : (int) STATE.getVolatile(b));
            }
        }

        @Override
        public void undoTake(IoBuffer b) {
            STATE.compareAndSet(b, HANDED_OVER, OWNED);
        }

        @Override
        public void releaseAfterSend(IoBuffer b) {
            if (STATE.compareAndSet(b, HANDED_OVER, RELEASED)) {
                b.recycle();
            }
        }

        @Override
        public void lend(IoBuffer b) {
            if (b.pool == null || !STATE.compareAndSet(b, OWNED, LENT)) {
                throw b.misuse("receive into", b.pool == null ? -1 : (int) STATE.getVolatile(b));
            }
        }

        @Override
        public void abandon(IoBuffer b) {
            STATE.compareAndSet(b, LENT, LENT_ABANDONED); // fails harmlessly if the kernel gave it back first
        }

        @Override
        public void giveBack(IoBuffer b) {
            if (STATE.compareAndSet(b, LENT, OWNED) || STATE.compareAndSet(b, LENT_ABANDONED, OWNED)) {
                return;
            }
            if (STATE.compareAndSet(b, LENT_RELEASE_PENDING, RELEASED)) {
                b.recycle();
            }
        }

        @Override
        public boolean heldByOperation(IoBuffer b) {
            int s = (int) STATE.getVolatile(b);
            return s == HANDED_OVER || s == LENT || s == LENT_ABANDONED || s == LENT_RELEASE_PENDING;
        }

        @Override
        public boolean isOwned(IoBuffer b) {
            return (int) STATE.getVolatile(b) == OWNED;
        }
    }
}
