package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_READ_FIXED;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;

import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;

/**
 * recv into the caller's buffer, after its writer index; completes with the byte count, or -1
 * at end of stream. A pooled buffer in registered memory is read with {@code READ_FIXED}, which
 * spares the kernel pinning its pages for every call.
 */
public final class RecvIntoOp extends Op<Integer> {
    private final IoBuffer into;
    /** READ_FIXED answered EAGAIN (it may honour O_NONBLOCK, as WRITE_FIXED does): go on with RECV. */
    private boolean fixedGaveUp;

    public RecvIntoOp(OpContext context, OpOwner owner, int fd, IoBuffer into, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        if (into.isEndOfStream() || into.writableBytes() == 0) {
            throw new IllegalArgumentException("recv needs a buffer with writable space, got " + into);
        }
        this.into = into;
        into.lendToKernel();
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public void prepare(Sqe sqe) {
        long address = into.segment().address() + into.writerIndex();
        int fixedIndex = fixedGaveUp ? -1 : SendOp.fixedIndex(context, into);
        if (fixedIndex >= 0) {
            sqe.prep(IORING_OP_READ_FIXED, fd, address, into.writableBytes(), 0).bufIndex(fixedIndex);
        } else {
            sqe.prep(IORING_OP_RECV, fd, address, into.writableBytes(), 0);
        }
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        return LibC.recv(fd, into.writableSegment(), into.writableBytes(), 0);
    }

    /** A short read: the socket had no more (asked for the buffer's writable space). */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < into.writableBytes();
    }

    @Override
    public int complete(long res, int flags) {
        if (res == -Errno.EAGAIN && !fixedGaveUp && SendOp.fixedIndex(context, into) >= 0) {
            fixedGaveUp = true;
            return RESUBMIT;
        }
        if (res > 0) {
            if (isDone()) {
                keepForNextRecv((int) res); // cancelled as the data came
            } else {
                into.writerIndex(into.writerIndex() + (int) res);
            }
            return deliver((int) res);
        }
        return res == 0 ? deliver(-1) : fail(res);
    }

    /**
     * Copies what the kernel just wrote after the writer index into a pooled block the owner
     * keeps. The bytes have left the socket, so the copy may not fail for the pool's cap.
     */
    private void keepForNextRecv(int count) {
        IoBuffer copy = context.pool().acquireForReceivedData();
        MemorySegment.copy(into.segment(), into.writerIndex(), copy.segment(), 0, count);
        copy.writerIndex(count);
        owner().keepUnclaimed(copy);
    }

    /** How many of {@code available} bytes this recv can take: its buffer's writable space. */
    public int room(int available) {
        return Math.min(into.writableBytes(), available);
    }

    /**
     * Completes this recv with {@code count} bytes copied from {@code from} at {@code offset}
     * (the connection's inbox), unless the user cancelled it meanwhile: then returns false and
     * the caller's buffer is as it was. The completion runs the user's stages, so the caller
     * settles its own state first.
     */
    public boolean offer(MemorySegment from, long offset, int count) {
        int writerIndex = into.writerIndex();
        MemorySegment.copy(from, offset, into.segment(), writerIndex, count);
        into.writerIndex(writerIndex + count);
        if (completeIfWaiting(count)) {
            return true;
        }
        into.writerIndex(writerIndex);
        return false;
    }

    @Override
    protected void releaseResources() {
        into.returnFromKernel();
    }
}
