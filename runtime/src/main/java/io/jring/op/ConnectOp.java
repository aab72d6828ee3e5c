package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_CONNECT;

import io.jring.Connection;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.net.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import io.jring.net.UnixAddresses;
import java.net.SocketAddress;

/**
 * connect on a fresh non-blocking socket. The readiness form is the classic two steps:
 * {@code connect} answers EINPROGRESS, then once writable {@code SO_ERROR} tells the outcome.
 */
public final class ConnectOp extends Op<Connection> {
    private final SocketAddress target;
    private final boolean unixDomain;
    private final MemorySegment sockaddr;
    private final int sockaddrLength;
    private boolean inProgress;
    /**
     * A non-blocking AF_UNIX connect answered EAGAIN: the server's accept queue is full. Nothing
     * signals when it frees (the client socket never becomes "writable" for it), so the connect
     * fails now on both backends, as io_uring's CONNECT does, instead of waiting for a deadline.
     */
    private boolean backlogFull;
    private boolean adopted;

    public ConnectOp(OpContext context, OpOwner owner, int fd, SocketAddress target, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.target = target;
        this.unixDomain = UnixAddresses.isUnix(target);
        // The kernel reads the address during the operation, so it lives as long as the op.
        this.sockaddr = Arena.ofAuto().allocate(SocketAddresses.MAX_ANY_LENGTH, 8);
        this.sockaddrLength = SocketAddresses.writeAny(target, sockaddr);
    }

    @Override
    public String name() {
        return "connect";
    }

    @Override
    public Kind kind() {
        return Kind.CONNECT;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_CONNECT, fd, sockaddr.address(), 0, sockaddrLength);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(sockaddr, at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLOUT;
    }

    @Override
    public long attempt() {
        if (!inProgress) {
            int res = LibC.connect(fd, sockaddr, sockaddrLength);
            if (res == -Errno.EINPROGRESS) {
                inProgress = true;
                return -Errno.EAGAIN;
            }
            if (res == -Errno.EAGAIN && unixDomain) {
                backlogFull = true; // -EAGAIN would park the op: hand complete() an error, which reads this flag
                return -Errno.ECONNREFUSED;
            }
            return res;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            int res = LibC.getsockopt(fd, Linux.SOL_SOCKET, Linux.SO_ERROR, error, length);
            return res < 0 ? res : -error.get(ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public int complete(long res, int flags) {
        if (res == 0) {
            adopted = true;
            return deliver(context.adopt(fd, unixDomain));
        }
        String call = "connect to " + SocketAddresses.formatAny(target);
        int errno = backlogFull ? Errno.EAGAIN : (int) -res;
        return fail(unixDomain ? new NativeIoException(call, errno, unixAdvice(errno))
                : new NativeIoException(call, errno));
    }

    /** What a failed Unix connect means: the path names no socket, or a socket nobody accepts on. */
    private static String unixAdvice(int errno) {
        return switch (errno) {
            case Errno.ENOENT -> "no socket file at that path; start the server or check the path";
            case Errno.ECONNREFUSED -> "nothing accepts on that socket; the server is gone (a stale socket file)"
                    + " or that abstract name is not bound";
            case Errno.EACCES -> "no write permission on the socket file (or search permission on its directory)";
            case Errno.ENOTSOCK -> "that path is not a socket";
            case Errno.EAGAIN -> "the server's accept queue (listen backlog) is full: it is not accepting fast"
                    + " enough; retry later, or give it a larger backlog";
            default -> null;
        };
    }

    @Override
    protected void discard(Connection connection) {
        connection.close();
    }

    @Override
    protected void releaseResources() {
        if (!adopted) {
            context.closingDescriptor(fd); // the driver may know the number from this very op
            LibC.close(fd);
        }
    }
}
