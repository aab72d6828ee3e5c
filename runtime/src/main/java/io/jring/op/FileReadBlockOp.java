package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_READ;
import static io.jring.bindings.IoUringConstants.IORING_OP_READ_FIXED;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.FileCalls;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * pread into a pooled buffer the op takes: completes with that buffer (the caller's to release),
 * holding up to one block, or {@link IoBuffer#END_OF_STREAM} at end of file.
 */
public final class FileReadBlockOp extends FileOp<IoBuffer> {
    private final IoBuffer block;
    private final long position;
    private final int length;
    private boolean handedOver;

    public FileReadBlockOp(OpContext context, OpOwner owner, int fd, Path path, long position, int length,
                           long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        if (position < 0 || length <= 0) {
            throw new IllegalArgumentException("read needs position >= 0 and length > 0, got " + position + ", " + length);
        }
        this.block = context.pool().acquire(); // may throw BufferPoolExhaustedException: nothing taken then
        this.position = position;
        this.length = Math.min(length, block.writableBytes());
    }

    @Override
    public String name() {
        return "read";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_READ;
    }

    @Override
    protected String blockingCall() {
        return "pread";
    }

    private long address() {
        return Buffers.address(block, 0);
    }

    @Override
    public void prepare(Sqe sqe) {
        int fixedIndex = SendOp.fixedIndex(context, block);
        if (fixedIndex >= 0) {
            sqe.prep(IORING_OP_READ_FIXED, fd, address(), length, position).bufIndex(fixedIndex);
        } else {
            sqe.prep(IORING_OP_READ, fd, address(), length, position);
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return !handedOver && Invariants.within(Buffers.memory(block), at, size);
    }

    @Override
    public long attempt() {
        return FileCalls.pread(fd, MemorySegment.ofAddress(address()), length, position);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return failFile(res);
        }
        if (res == 0) {
            return deliver(IoBuffer.END_OF_STREAM);
        }
        Buffers.setWriterIndex(block, (int) res);
        handedOver = true;
        return deliver(block);
    }

    @Override
    protected void discard(IoBuffer value) {
        if (value == block) {
            block.release(); // cancelled as it completed: nobody will take it
        }
    }

    @Override
    protected void releaseResources() {
        if (!handedOver) {
            block.release();
        }
    }
}
