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
import java.util.concurrent.Future;

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
    private static final VarHandle STATE;
    private static final VarHandle BORROWER;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(IoBuffer.class, "state", int.class);
            BORROWER = MethodHandles.lookup().findVarHandle(IoBuffer.class, "borrower", Future.class);
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
    /** The operation a lent buffer belongs to: it decides whether release() is allowed yet. */
    private volatile Future<?> borrower;

    private IoBuffer(BufferPool pool, int block, MemorySegment memory, LeakTracker.Record leak) {
        this.pool = pool;
        this.block = block;
        this.memory = memory;
        this.leak = leak;
    }

    /** True only for {@link #END_OF_STREAM}. */
    public boolean isEndOfStream() {
        return this == END_OF_STREAM;
    }

    public int capacity() {
        return (int) memory.byteSize();
    }

    public int readerIndex() {
        return readerIndex;
    }

    public int writerIndex() {
        return writerIndex;
    }

    public int readableBytes() {
        return writerIndex - readerIndex;
    }

    public int writableBytes() {
        return capacity() - writerIndex;
    }

    public IoBuffer readerIndex(int index) {
        checkOwned();
        if (index < 0 || index > writerIndex) {
            throw new IndexOutOfBoundsException("readerIndex " + index + " outside [0, " + writerIndex + "]");
        }
        readerIndex = index;
        return this;
    }

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

    /** Marks {@code n} readable bytes as consumed. */
    public IoBuffer skip(int n) {
        return readerIndex(readerIndex + n);
    }

    /** Empties the buffer: both indexes back to 0. */
    public IoBuffer clear() {
        checkOwned();
        readerIndex = 0;
        writerIndex = 0;
        return this;
    }

    /** The whole block, regardless of the indexes; a view valid while you own the buffer. */
    public MemorySegment segment() {
        checkOwned();
        return memory;
    }

    /** The readable bytes as a slice (no copy); a view valid while you own the buffer. */
    public MemorySegment readableSegment() {
        checkOwned();
        return memory.asSlice(readerIndex, readableBytes());
    }

    /** The writable tail as a slice (no copy); a view valid while you own the buffer. */
    public MemorySegment writableSegment() {
        checkOwned();
        return memory.asSlice(writerIndex, writableBytes());
    }

    public byte getByte(int index) {
        checkOwned();
        return memory.get(ValueLayout.JAVA_BYTE, index);
    }

    /** Appends bytes; throws if they do not fit in {@link #writableBytes()}. */
    public IoBuffer write(byte[] bytes, int offset, int length) {
        checkOwned();
        ensureWritable(length);
        MemorySegment.copy(bytes, offset, memory, ValueLayout.JAVA_BYTE, writerIndex, length);
        writerIndex += length;
        return this;
    }

    public IoBuffer write(byte[] bytes) {
        return write(bytes, 0, bytes.length);
    }

    public IoBuffer write(String text) {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    public IoBuffer write(MemorySegment source) {
        checkOwned();
        int length = Math.toIntExact(source.byteSize());
        ensureWritable(length);
        MemorySegment.copy(source, 0, memory, writerIndex, length);
        writerIndex += length;
        return this;
    }

    /** Appends the buffer's remaining bytes and consumes them (its position moves to its limit). */
    public IoBuffer write(ByteBuffer source) {
        write(MemorySegment.ofBuffer(source));
        source.position(source.limit());
        return this;
    }

    /** Copies the readable bytes out (the indexes do not move). */
    public byte[] toByteArray() {
        return readableSegment().toArray(ValueLayout.JAVA_BYTE);
    }

    /** Decodes the readable bytes (the indexes do not move). */
    public String toString(Charset charset) {
        return new String(toByteArray(), charset);
    }

    /** A ByteBuffer view of the readable bytes (no copy); valid while you own the buffer. */
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
                case LENT -> {
                    Future<?> op = borrower;
                    if (op == null || !op.isDone()) {
                        throw misuse("release", s);
                    }
                    // The user cancelled the receive; the kernel may still write: free it later.
                    if (STATE.compareAndSet(this, LENT, LENT_RELEASE_PENDING)) {
                        return;
                    }
                }
                default -> throw misuse("release", s);
            }
        }
    }

    /** True once {@link #release()} was called (the block may still be with the kernel). */
    public boolean isReleased() {
        int s = (int) STATE.getVolatile(this);
        return s == RELEASED || s == LENT_RELEASE_PENDING;
    }

    private void checkOwned() {
        // One volatile load (a plain load on x86): cheap enough for the small-copy path.
        int s = (int) STATE.getVolatile(this);
        if (s != OWNED) {
            throw misuse("use", s);
        }
    }

    private IllegalStateException misuse(String what, int s) {
        String why = switch (s) {
            case HANDED_OVER -> "a send took it (send releases it when it ends; do not touch it after send)";
            case LENT -> "a receive still running holds it (wait for its future, or cancel it first)";
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
        public void lend(IoBuffer b, Future<?> borrower) {
            if (b.pool == null) {
                throw b.misuse("receive into", -1);
            }
            if (!STATE.compareAndSet(b, OWNED, LENT)) {
                throw b.misuse("receive into", (int) STATE.getVolatile(b));
            }
            // Until this write a release() sees no borrower and refuses, as it must: the
            // operation has not even started. (giveBack clears only the borrower it gave back,
            // so a late clear from the previous operation cannot erase this one.)
            b.borrower = borrower;
        }

        @Override
        public void giveBack(IoBuffer b) {
            // The state moves first and the borrower is cleared after: a user releasing a
            // cancelled receive's buffer on another thread meanwhile must never see LENT with no
            // borrower, which means "not started" and is refused.
            Future<?> op = b.borrower;
            if (STATE.compareAndSet(b, LENT, OWNED)) {
                BORROWER.compareAndSet(b, op, null);
                return;
            }
            BORROWER.compareAndSet(b, op, null);
            if (STATE.compareAndSet(b, LENT_RELEASE_PENDING, RELEASED)) {
                b.recycle();
            }
        }

        @Override
        public boolean isOwned(IoBuffer b) {
            return (int) STATE.getVolatile(b) == OWNED;
        }
    }
}
