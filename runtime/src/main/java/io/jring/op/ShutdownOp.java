package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SHUTDOWN;

import io.jring.bindings.LibC;
import io.jring.bindings.Linux;

/**
 * shutdown(SHUT_WR): sends FIN after everything queued before it. It travels in the
 * connection's send queue, so {@code send(a); shutdownOutput()} never cuts {@code a} short.
 */
public final class ShutdownOp extends Op<Void> {
    public ShutdownOp(OpContext context, OpOwner owner, int fd, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
    }

    @Override
    public String name() {
        return "shutdown";
    }

    @Override
    public Kind kind() {
        return Kind.SHUTDOWN;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SHUTDOWN, fd, 0, Linux.SHUT_WR, 0);
    }

    @Override
    public int interest() {
        return Linux.EPOLLOUT;
    }

    @Override
    public long attempt() {
        return LibC.shutdown(fd, Linux.SHUT_WR); // never blocks, never EAGAIN
    }

    @Override
    public int complete(long res, int flags) {
        return res < 0 ? fail(res) : deliver(null);
    }
}
