package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_CQE_BUFFER_SHIFT;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_BUFFER;
import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;
import static io.jring.bindings.IoUringConstants.IOSQE_BUFFER_SELECT;

import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;

/**
 * recv into a pooled buffer the op picks. On io_uring with a provided-buffer ring, the kernel
 * picks the buffer only when data arrives ({@code IOSQE_BUFFER_SELECT}), so a connection
 * waiting for data holds no memory; otherwise the op takes a block from the pool up front.
 *
 * <p>When the pool is at its memory cap and no block is free, this recv fails with
 * {@link BufferPoolExhaustedException} before anything is read: the data stays in the socket
 * for a later recv. On io_uring the SQE is then a NOP, so the failure still arrives as this
 * op's one completion.
 */
public final class RecvOp extends ReceiveOp<IoBuffer> {
    private IoBuffer held;
    private boolean selectBuffer;
    /** The pool refused a block: the op ends with this, having read nothing. */
    private BufferPoolExhaustedException refused;

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
        } else if (holdBuffer()) {
            sqe.prep(IORING_OP_RECV, fd, Buffers.address(held, 0), held.capacity(), 0);
        } else {
            sqe.prep(IORING_OP_NOP, -1, 0, 0, 0); // completes at once, and complete() fails the op
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
        if (!holdBuffer()) {
            return -Errno.ENOBUFS; // complete() fails the op with the pool's own exception
        }
        long res = LibC.recv(fd, Buffers.memory(held), held.capacity(), 0);
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
        if (refused != null) {
            return fail(refused);
        }
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
            context.providedBuffersRanOut();
            selectBuffer = false;
            return holdBuffer() ? RESUBMIT : fail(refused);
        }
        return fail(res);
    }

    @Override
    public boolean runtimePicksMemory() {
        return true;
    }

    @Override
    public int takeFrom(IoBuffer buffer) {
        return completeIfWaiting(buffer) ? TOOK_BUFFER : NOT_TAKEN;
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

    /** Takes the block to read into, unless held already; false (and {@link #refused} set) at the cap. */
    private boolean holdBuffer() {
        if (held == null) {
            try {
                held = context.pool().acquire();
            } catch (BufferPoolExhaustedException e) {
                refused = e;
                return false;
            }
            Buffers.lend(held);
        }
        return true;
    }
}
