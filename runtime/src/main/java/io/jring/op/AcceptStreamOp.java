package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_ACCEPT_MULTISHOT;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_MORE;
import static io.jring.bindings.IoUringConstants.IORING_OP_ACCEPT;

import io.jring.Connection;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Accepts connection after connection for {@code Listener.onAccept}: one multishot accept
 * where the kernel has it (one SQE, a CQE per connection), else a single-shot accept re-armed
 * after each connection. Its future completes only when the stream ends: with {@code
 * ConnectionClosedException} when the listener closes, with the errno when the process is out
 * of descriptors or socket memory ({@link AcceptOp#outOfResources}: the listener then starts
 * a new stream after a pause, multishot again), or with an error about the listening socket
 * itself (EBADF, EINVAL...).
 */
public final class AcceptStreamOp extends Op<Void> {
    private final Consumer<Connection> handler;
    /** The listener is AF_UNIX: its connections refuse TCP options. */
    private final boolean unixDomain;
    private boolean multishot;

    public AcceptStreamOp(OpContext context, OpOwner owner, int listenFd, Consumer<Connection> handler) {
        this(context, owner, listenFd, false, handler);
    }

    public AcceptStreamOp(OpContext context, OpOwner owner, int listenFd, boolean unixDomain,
                          Consumer<Connection> handler) {
        super(context, owner, listenFd, 0);
        this.handler = handler;
        this.unixDomain = unixDomain;
        this.multishot = context.multishotAccept();
    }

    @Override
    public String name() {
        return "accept";
    }

    @Override
    public Kind kind() {
        return Kind.ACCEPT_STREAM;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_ACCEPT, fd, 0, 0, 0).opFlags(AcceptOp.SOCKET_FLAGS);
        if (multishot) {
            sqe.ioprio(IORING_ACCEPT_MULTISHOT);
        }
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        return LibC.accept4(fd, MemorySegment.NULL, MemorySegment.NULL, AcceptOp.SOCKET_FLAGS);
    }

    @Override
    public int complete(long res, int flags) {
        if (res >= 0) {
            Connection connection = context.adopt((int) res, unixDomain);
            if (isDone()) {
                connection.close();
            } else {
                try {
                    handler.accept(connection);
                } catch (RuntimeException | Error e) {
                    // A handler's bug must not stop the listener or the loop.
                    System.getLogger("io.jring").log(System.Logger.Level.WARNING,
                            "onAccept handler threw; connection closed", e);
                    connection.close();
                }
            }
            return (flags & IORING_CQE_F_MORE) != 0 ? STILL_ARMED : RESUBMIT;
        }
        if ((flags & IORING_CQE_F_MORE) != 0) {
            return STILL_ARMED; // an error the kernel's multishot went on after: more CQEs come
        }
        int errno = (int) -res;
        if (multishot && errno == Errno.EINVAL) {
            multishot = false; // an older kernel refused the multishot flag: re-arm one at a time
            return RESUBMIT;
        }
        if (AcceptOp.retryable(errno)) {
            return RESUBMIT;
        }
        return fail(res); // the kernel ended the multishot accept (no F_MORE)
    }
}
