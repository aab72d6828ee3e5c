package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;

import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;

/**
 * A recv that goes on by itself for a push-style receiver ({@code Connection.onReceive}) where
 * there is no multishot recv: the epoll reactor's read loop (each readiness edge is read until
 * the socket is drained), or on io_uring one single-shot recv re-armed after each arrival. Each
 * arrival goes to the {@link RecvStreamOp.Sink} in a pooled block the op takes per recv, so an
 * idle connection on epoll holds none (it is given back at EAGAIN). One op serves the whole
 * push, however many buffers arrive; it ends at end of stream, on an error, or when cancelled.
 */
public final class RecvLoopOp extends Op<Void> {
    private final RecvStreamOp.Sink sink;
    private IoBuffer held;
    /** The pool refused a block: the op ends with this, having read nothing. */
    private BufferPoolExhaustedException refused;

    public RecvLoopOp(OpContext context, OpOwner owner, int fd, RecvStreamOp.Sink sink) {
        super(context, owner, fd, 0);
        this.sink = sink;
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public Kind kind() {
        return Kind.RECEIVE;
    }

    @Override
    public void prepare(Sqe sqe) {
        if (holdBuffer()) {
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
            return -Errno.ENOBUFS;
        }
        long res = LibC.recv(fd, Buffers.memory(held), held.capacity(), 0);
        if (res == -Errno.EAGAIN) {
            releaseResources(); // an idle connection holds no block while it waits
        }
        return res;
    }

    /** A short read: the socket had no more. */
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
            IoBuffer received = held;
            held = null;
            Buffers.giveBack(received);
            Buffers.setWriterIndex(received, (int) res);
            sink.received(received);
            return RESUBMIT; // the driver ends it instead if it was cancelled meanwhile
        }
        sink.ended(res); // 0 or -errno: after everything received
        return deliver(null);
    }

    @Override
    protected void releaseResources() {
        if (held != null) {
            Buffers.giveBack(held);
            held.release();
            held = null;
        }
    }

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
