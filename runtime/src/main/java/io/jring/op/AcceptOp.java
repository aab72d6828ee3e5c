package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_ACCEPT;

import io.jring.Connection;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;

/**
 * accept4: one connection from a listening socket. When the process or the system is out of
 * descriptors or socket memory it pauses (see {@link Pausable}) instead of failing, and its
 * owner tries again later: the connection waits in the listen backlog meanwhile.
 */
public final class AcceptOp extends Op<Connection> implements Pausable {
    static final int SOCKET_FLAGS = Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC;
    private int pausedBy;

    public AcceptOp(OpContext context, OpOwner owner, int listenFd, long timeoutNanos) {
        super(context, owner, listenFd, timeoutNanos);
    }

    @Override
    public String name() {
        return "accept";
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
            pausedBy = 0;
            return deliver(context.adopt((int) res));
        }
        int errno = (int) -res;
        if (retryable(errno)) {
            return RESUBMIT;
        }
        if (outOfResources(errno)) {
            return pause(errno);
        }
        return fail(res);
    }

    @Override
    public int pausedBy() {
        return pausedBy;
    }

    /**
     * Ends this submission with the future still pending (see {@link Pausable}), unless a
     * cancel is on its way (the listener is closing, or the user cancelled): then the op ends
     * now, for the cancel's cause.
     */
    private int pause(int errno) {
        if (cancelRequested()) {
            aborted();
        } else {
            pausedBy = errno;
        }
        return FINISHED;
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
     * listen backlog, and the shortage passes as connections close: pause and try again.
     */
    public static boolean outOfResources(int errno) {
        return errno == Errno.EMFILE || errno == Errno.ENFILE || errno == Errno.ENOBUFS || errno == Errno.ENOMEM;
    }
}
