package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_ACCEPT;

import io.jring.Connection;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;

/** accept4: one connection from a listening socket. */
public final class AcceptOp extends Op<Connection> {
    static final int SOCKET_FLAGS = Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC;

    public AcceptOp(OpContext context, OpOwner owner, int listenFd, long timeoutNanos) {
        super(context, owner, listenFd, timeoutNanos);
    }

    @Override
    public String name() {
        return "accept";
    }

    @Override
    public Kind kind() {
        return Kind.ACCEPT;
    }

    @Override
    public void prepare(Sqe sqe) {
        // No peer address buffer: the connection asks getpeername lazily, if ever.
        sqe.prep(IORING_OP_ACCEPT, fd, 0, 0, 0).opFlags(SOCKET_FLAGS);
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        return LibC.accept4(fd, MemorySegment.NULL, MemorySegment.NULL, SOCKET_FLAGS);
    }

    @Override
    public int complete(long res, int flags) {
        if (res >= 0) {
            return deliver(context.adopt((int) res));
        }
        return retryable((int) -res) ? RESUBMIT : fail(res);
    }

    @Override
    protected void discard(Connection connection) {
        connection.close();
    }

    /** Errors about one half-made connection, not about the listener: take the next one. */
    static boolean retryable(int errno) {
        return errno == Errno.ECONNABORTED || errno == Errno.EINTR || errno == Errno.EAGAIN;
    }
}
