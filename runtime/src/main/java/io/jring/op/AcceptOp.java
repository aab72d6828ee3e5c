package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_ACCEPT;

import io.jring.Connection;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;

/**
 * accept4: one connection from a listening socket. Out of descriptors or socket memory it
 * fails with that errno ({@link #outOfResources}) like any other error: the listener, which
 * owns every accept op, waits that out and starts a new one.
 */
public final class AcceptOp extends Op<Connection> {
    static final int SOCKET_FLAGS = Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC;

    /** The listener is AF_UNIX: its connections refuse TCP options. */
    private final boolean unixDomain;

    public AcceptOp(OpContext context, OpOwner owner, int listenFd, long timeoutNanos) {
        this(context, owner, listenFd, false, timeoutNanos);
    }

    public AcceptOp(OpContext context, OpOwner owner, int listenFd, boolean unixDomain, long timeoutNanos) {
        super(context, owner, listenFd, timeoutNanos);
        this.unixDomain = unixDomain;
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
            return deliver(context.adopt((int) res, unixDomain));
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

    /**
     * The process or the system is short of descriptors (EMFILE: RLIMIT_NOFILE; ENFILE:
     * fs.file-max) or of socket memory (ENOBUFS, ENOMEM). The connection stays queued in the
     * listen backlog, and the shortage passes as connections close: the listener pauses and
     * tries again (at once would only spin: the kernel answers the same until then, and an
     * edge-triggered epoll sends no new event for connections already in the backlog).
     */
    public static boolean outOfResources(int errno) {
        return errno == Errno.EMFILE || errno == Errno.ENFILE || errno == Errno.ENOBUFS || errno == Errno.ENOMEM;
    }
}
