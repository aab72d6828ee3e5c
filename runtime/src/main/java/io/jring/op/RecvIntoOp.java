package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_READ_FIXED;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * recv into the caller's buffer, after its writer index; completes with the byte count, or -1
 * at end of stream. A pooled buffer in registered memory is read with {@code READ_FIXED}, which
 * spares the kernel pinning its pages for every call.
 */
public final class RecvIntoOp extends ReceiveOp<Integer> {
    private final IoBuffer into;
    /** READ_FIXED answered EAGAIN (it may honour O_NONBLOCK, as WRITE_FIXED does): go on with RECV. */
    private boolean fixedGaveUp;

    public RecvIntoOp(OpContext context, OpOwner owner, int fd, IoBuffer into, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        if (into.isEndOfStream() || into.writableBytes() == 0) {
            throw new IllegalArgumentException("recv needs a buffer with writable space, got " + into);
        }
        SendOp.checkSameRuntime(context, into);
        Buffers.lend(into); // throws if the caller does not own it (released, or in use)
        this.into = into;
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public void prepare(Sqe sqe) {
        long address = Buffers.address(into, into.writerIndex());
        int fixedIndex = fixedGaveUp ? -1 : SendOp.fixedIndex(context, into);
        if (fixedIndex >= 0) {
            sqe.prep(IORING_OP_READ_FIXED, fd, address, into.writableBytes(), 0).bufIndex(fixedIndex);
        } else {
            sqe.prep(IORING_OP_RECV, fd, address, into.writableBytes(), 0);
        }
    }

    /** The user may release {@code into} now; its block stays the kernel's until the last CQE. */
    @Override
    protected void onCancelled() {
        Buffers.abandon(into);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Buffers.heldByOperation(into) && Invariants.within(Buffers.memory(into), at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        return LibC.recv(fd, Buffers.memory(into).asSlice(into.writerIndex()), into.writableBytes(), 0);
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
                Buffers.setWriterIndex(into, into.writerIndex() + (int) res);
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
        MemorySegment.copy(Buffers.memory(into), into.writerIndex(), Buffers.memory(copy), 0, count);
        Buffers.setWriterIndex(copy, count);
        owner().keepUnclaimed(copy);
    }

    @Override
    public boolean runtimePicksMemory() {
        return false;
    }

    /** Copies as much of the inbox's first buffer as fits after the writer index. */
    @Override
    public boolean takeFrom(ArrayDeque<IoBuffer> inbox) {
        IoBuffer buffer = inbox.peek();
        int from = buffer.readerIndex();
        int count = Math.min(into.writableBytes(), buffer.readableBytes());
        boolean emptied = count == buffer.readableBytes();
        buffer.skip(count);
        if (emptied) {
            inbox.poll();
        }
        int writerIndex = into.writerIndex();
        MemorySegment.copy(Buffers.memory(buffer), from, Buffers.memory(into), writerIndex, count);
        Buffers.setWriterIndex(into, writerIndex + count);
        if (!completeIfWaiting(count)) {
            // Cancelled meanwhile (no user code ran): undo, the bytes are the next recv's.
            Buffers.setWriterIndex(into, writerIndex);
            buffer.readerIndex(from);
            if (emptied) {
                inbox.addFirst(buffer);
            }
            return false;
        }
        if (emptied) {
            buffer.release();
        }
        return true;
    }

    @Override
    protected void releaseResources() {
        Buffers.giveBack(into);
    }
}
