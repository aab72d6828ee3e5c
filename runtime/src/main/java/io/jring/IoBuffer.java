package io.jring;

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
 * <p><b>Ownership.</b> {@link Connection#recv()} hands you a buffer: you own it and must
 * {@link #release()} it once. {@link Connection#send(IoBuffer)} takes ownership: the runtime
 * releases it when the send ends, successfully or not. While the kernel may still write into a
 * buffer (an operation in flight, or one cancelled but not yet confirmed), {@code release()}
 * only marks it; the block returns to the pool when the kernel gives it back.
 *
 * <p>A buffer is not thread-safe: hand it from one thread to the next, do not share it.
 */
public final class IoBuffer {
    /** The result of {@link Connection#recv()} once the peer has shut down its output. */
    public static final IoBuffer END_OF_STREAM = new IoBuffer(null, -1, MemorySegment.NULL);

    private static final int OWNED = 0;
    private static final int LENT_TO_KERNEL = 1;
    private static final int LENT_RELEASE_PENDING = 2;
    private static final int RELEASED = 3;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(IoBuffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BufferPool pool;
    private final int block;
    private final MemorySegment memory;
    private int readerIndex;
    private int writerIndex;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /** Created by the runtime's pools only. */
    public IoBuffer(BufferPool pool, int block, MemorySegment memory) {
        this.pool = pool;
        this.block = block;
        this.memory = memory;
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
        if (index < 0 || index > writerIndex) {
            throw new IndexOutOfBoundsException("readerIndex " + index + " outside [0, " + writerIndex + "]");
        }
        readerIndex = index;
        return this;
    }

    public IoBuffer writerIndex(int index) {
        if (index < readerIndex || index > capacity()) {
            throw new IndexOutOfBoundsException("writerIndex " + index + " outside [" + readerIndex + ", " + capacity() + "]");
        }
        writerIndex = index;
        return this;
    }

    /** Marks {@code n} readable bytes as consumed. */
    public IoBuffer skip(int n) {
        return readerIndex(readerIndex + n);
    }

    /** Empties the buffer: both indexes back to 0. */
    public IoBuffer clear() {
        readerIndex = 0;
        writerIndex = 0;
        return this;
    }

    /** The whole block, regardless of the indexes. */
    public MemorySegment segment() {
        return memory;
    }

    /** The readable bytes as a slice (no copy). */
    public MemorySegment readableSegment() {
        return memory.asSlice(readerIndex, readableBytes());
    }

    /** The writable tail as a slice (no copy). */
    public MemorySegment writableSegment() {
        return memory.asSlice(writerIndex, writableBytes());
    }

    public byte getByte(int index) {
        return memory.get(ValueLayout.JAVA_BYTE, index);
    }

    /** Appends bytes; throws if they do not fit in {@link #writableBytes()}. */
    public IoBuffer write(byte[] bytes, int offset, int length) {
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

    /** A ByteBuffer view of the readable bytes (no copy); valid until {@link #release()}. */
    public ByteBuffer asByteBuffer() {
        return readableSegment().asByteBuffer();
    }

    /** Returns the block to its pool, now or as soon as the kernel has given it back. */
    public void release() {
        if (pool == null) {
            return; // END_OF_STREAM and other constants own no memory
        }
        while (true) {
            int s = (int) STATE.getVolatile(this);
            switch (s) {
                case OWNED -> {
                    if (STATE.compareAndSet(this, OWNED, RELEASED)) {
                        pool.recycle(block);
                        return;
                    }
                }
                case LENT_TO_KERNEL -> {
                    if (STATE.compareAndSet(this, LENT_TO_KERNEL, LENT_RELEASE_PENDING)) {
                        return;
                    }
                }
                default -> throw new IllegalStateException("buffer released twice");
            }
        }
    }

    /** True once {@link #release()} was called (the block may still be with the kernel). */
    public boolean isReleased() {
        int s = (int) STATE.getVolatile(this);
        return s == RELEASED || s == LENT_RELEASE_PENDING;
    }

    // ---- runtime side: lending the block to the kernel -------------------------------------

    /** The pool block index, for fixed-buffer lookups; -1 for constants. */
    public int blockIndex() {
        return block;
    }

    public BufferPool pool() {
        return pool;
    }

    /** Marks the block as the kernel's until {@link #returnFromKernel()}. */
    public void lendToKernel() {
        if (!STATE.compareAndSet(this, OWNED, LENT_TO_KERNEL)) {
            throw new IllegalStateException("buffer is released or already in use by another operation");
        }
    }

    /** The kernel is done: the user owns it again, or it goes back to the pool if released meanwhile. */
    public void returnFromKernel() {
        if (STATE.compareAndSet(this, LENT_TO_KERNEL, OWNED)) {
            return;
        }
        if (STATE.compareAndSet(this, LENT_RELEASE_PENDING, RELEASED)) {
            pool.recycle(block);
        }
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
}
