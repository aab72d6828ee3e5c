package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_CQE_BUFFER_SHIFT;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_BUFFER;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;
import static io.jring.bindings.IoUringConstants.IOSQE_BUFFER_SELECT;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.util.ArrayDeque;

/**
 * recv into a pooled buffer the op picks. On io_uring with a provided-buffer ring, the kernel
 * picks the buffer only when data arrives ({@code IOSQE_BUFFER_SELECT}), so a connection
 * waiting for data holds no memory; otherwise the op takes a block from the pool up front.
 */
public final class RecvOp extends ReceiveOp<IoBuffer> {
    private IoBuffer held;
    private boolean selectBuffer;

    public RecvOp(OpContext context, OpOwner owner, int fd, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.selectBuffer = context.providedBufferGroup() >= 0;
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public void prepare(Sqe sqe) {
        if (selectBuffer) {
            sqe.prep(IORING_OP_RECV, fd, 0, context.pool().blockSize(), 0)
                    .sqeFlags(IOSQE_BUFFER_SELECT)
                    .bufIndex(context.providedBufferGroup());
        } else {
            IoBuffer buffer = holdBuffer();
            sqe.prep(IORING_OP_RECV, fd, Buffers.address(buffer, 0), buffer.capacity(), 0);
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return held != null && Buffers.heldByOperation(held) && Invariants.within(Buffers.memory(held), at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        IoBuffer buffer = holdBuffer();
        long res = LibC.recv(fd, Buffers.memory(buffer), buffer.capacity(), 0);
        if (res == -Errno.EAGAIN) {
            // Nothing to read: give the block back while we wait, so an idle connection holds no
            // buffer on epoll either (the next attempt takes one again).
            releaseResources();
        }
        return res;
    }

    /** A short read: the socket had no more (asked for the held block's capacity). */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && held != null && res < held.capacity();
    }

    @Override
    public int complete(long res, int flags) {
        if (res > 0) {
            IoBuffer received;
            if ((flags & IORING_CQE_F_BUFFER) != 0) {
                received = context.takeProvidedBuffer(flags >>> IORING_CQE_BUFFER_SHIFT, (int) res);
            } else {
                received = held;
                held = null;
                Buffers.giveBack(received);
                Buffers.setWriterIndex(received, (int) res);
            }
            return deliver(received);
        }
        if (res == 0) {
            return deliver(IoBuffer.END_OF_STREAM);
        }
        if (res == -Errno.ENOBUFS && selectBuffer) {
            // Every provided buffer is with users right now: go on with a block of our own.
            selectBuffer = false;
            return RESUBMIT;
        }
        return fail(res);
    }

    @Override
    public boolean runtimePicksMemory() {
        return true;
    }

    @Override
    public boolean takeFrom(ArrayDeque<IoBuffer> inbox) {
        IoBuffer buffer = inbox.poll();
        if (completeIfWaiting(buffer)) {
            return true;
        }
        inbox.addFirst(buffer); // cancelled meanwhile: the data is the next recv's
        return false;
    }

    /** The user cancelled as the data came: it goes to the next recv, not to waste. */
    @Override
    protected void discard(IoBuffer value) {
        if (!value.isEndOfStream()) {
            owner().keepUnclaimed(value);
        }
    }

    @Override
    protected void releaseResources() {
        if (held != null) {
            Buffers.giveBack(held);
            held.release();
            held = null;
        }
    }

    private IoBuffer holdBuffer() {
        if (held == null) {
            held = context.pool().acquire();
            Buffers.lend(held, this);
        }
        return held;
    }
}
