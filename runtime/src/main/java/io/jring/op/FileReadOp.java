package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_READ;
import static io.jring.bindings.IoUringConstants.IORING_OP_READ_FIXED;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.FileCalls;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * pread into the caller's buffer after its writer index, which it lends like {@code recv(into)}:
 * completes with the byte count, or -1 at end of file. A pooled buffer in registered memory is
 * read with {@code READ_FIXED}.
 */
public final class FileReadOp extends FileOp<Integer> {
    private final IoBuffer into;
    private final long position;
    // Fixed when the op is made: a pool thread's pread reads these, not the buffer's indexes.
    private final long address;
    private final int length;

    public FileReadOp(OpContext context, OpOwner owner, int fd, Path path, long position, IoBuffer into,
                      long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        if (position < 0) {
            throw new IllegalArgumentException("read position must be >= 0, got " + position);
        }
        if (into.isEndOfStream() || into.writableBytes() == 0) {
            throw new IllegalArgumentException("read needs a buffer with writable space, got " + into);
        }
        SendOp.checkSameRuntime(context, into);
        Buffers.lend(into); // throws if the caller does not own it
        this.into = into;
        this.position = position;
        this.address = Buffers.address(into, into.writerIndex());
        this.length = into.writableBytes();
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

    @Override
    public void prepare(Sqe sqe) {
        int fixedIndex = SendOp.fixedIndex(context, into);
        if (fixedIndex >= 0) {
            sqe.prep(IORING_OP_READ_FIXED, fd, address, length, position).bufIndex(fixedIndex);
        } else {
            sqe.prep(IORING_OP_READ, fd, address, length, position);
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Buffers.heldByOperation(into) && Invariants.within(Buffers.memory(into), at, size);
    }

    @Override
    public long attempt() {
        return FileCalls.pread(fd, MemorySegment.ofAddress(address), length, position);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return failFile(res);
        }
        if (res == 0) {
            return deliver(-1);
        }
        if (!isDone()) { // a cancel or deadline already failed it: the buffer is no longer the reader's
            Buffers.setWriterIndex(into, into.writerIndex() + (int) res);
        }
        return deliver((int) res);
    }

    /** The user may release {@code into} now; its block stays the op's until the read returns. */
    @Override
    protected void onCancelling() {
        Buffers.abandon(into);
    }

    @Override
    protected void releaseResources() {
        Buffers.giveBack(into);
    }
}
