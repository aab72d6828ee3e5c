package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;

import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;

/**
 * A recv that goes on by itself for a push-style receiver ({@code Connection.onReceive}) where
 * there is no multishot recv: the epoll reactor's read loop (each readiness edge is read until
 * the socket is drained), or on io_uring one single-shot recv re-armed after each arrival. Each
 * arrival goes to the {@link RecvStreamOp.Sink} in a pooled block the op takes per recv, so an
 * idle connection on epoll holds none (it is given back at EAGAIN). The block is held as a bare
 * index and wrapped in an {@link IoBuffer} only when data fills it: an attempt that meets EAGAIN
 * allocates nothing. One op serves the whole push, however many buffers arrive; it ends at end
 * of stream, on an error, or when cancelled; or, made {@code once}, after its first arrival.
 */
public final class RecvLoopOp extends Op<Void> {
    private final RecvStreamOp.Sink sink;
    /** End after the first arrival instead of going on (see the constructor). */
    private final boolean once;
    /** The pool block the next recv reads into, or -1; {@link #heldMemory} is its memory. */
    private int held = -1;
    private MemorySegment heldMemory;
    /** The pool refused a block: the op ends with this, having read nothing. */
    private BufferPoolExhaustedException refused;

    public RecvLoopOp(OpContext context, OpOwner owner, int fd, RecvStreamOp.Sink sink) {
        this(context, owner, fd, sink, false);
    }

    /**
     * {@code once}: the op ends (successfully) after its first arrival, so its owner can arm a
     * multishot recv again: io_uring's stand-in for one recv after the provided buffers ran out
     * (ENOBUFS). Going on single-shot instead costs an SQE, a CQE and often a syscall per
     * buffer for the rest of the connection's life.
     */
    public RecvLoopOp(OpContext context, OpOwner owner, int fd, RecvStreamOp.Sink sink, boolean once) {
        super(context, owner, fd, 0);
        this.sink = sink;
        this.once = once;
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
            sqe.prep(IORING_OP_RECV, fd, heldMemory.address(), (int) heldMemory.byteSize(), 0);
        } else {
            sqe.prep(IORING_OP_NOP, -1, 0, 0, 0); // completes at once, and complete() fails the op
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return held >= 0 && Invariants.within(heldMemory, at, size);
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
        long res = LibC.recv(fd, heldMemory, heldMemory.byteSize(), 0);
        if (res == -Errno.EAGAIN) {
            releaseResources(); // an idle connection holds no block while it waits
        }
        return res;
    }

    /** A short read: the socket had no more. */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && held >= 0 && res < heldMemory.byteSize();
    }

    @Override
    public int complete(long res, int flags) {
        if (refused != null) {
            return fail(refused);
        }
        if (res > 0) {
            int block = held;
            held = -1;
            heldMemory = null;
            sink.received(context.pool().wrap(block, (int) res));
            if (once) {
                return deliver(null);
            }
            return RESUBMIT; // the driver ends it instead if it was cancelled meanwhile
        }
        sink.ended(res); // 0 or -errno: after everything received
        return deliver(null);
    }

    @Override
    protected void releaseResources() {
        if (held >= 0) {
            context.pool().recycle(held);
            held = -1;
            heldMemory = null;
        }
    }

    private boolean holdBuffer() {
        if (held < 0) {
            try {
                held = context.pool().acquireBlock();
            } catch (BufferPoolExhaustedException e) {
                refused = e;
                return false;
            }
            heldMemory = context.pool().block(held);
        }
        return true;
    }
}
