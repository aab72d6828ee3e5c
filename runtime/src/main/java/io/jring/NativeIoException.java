package io.jring;

import io.jring.bindings.Errno;
import java.io.IOException;

/**
 * A system call (or io_uring operation) failed. The message names the call, the errno and,
 * where there is one, what the user can do about it: {@code connect: ECONNREFUSED (Connection
 * refused): nothing listens on 127.0.0.1:9; start the server or check the port}.
 */
public class NativeIoException extends IOException {
    /** The failed call (part of the serialized form, like the message). */
    private final String syscall;
    /** The positive errno (part of the serialized form). */
    private final int errno;

    /**
     * A failed call with the advice to print.
     *
     * @param syscall the call, e.g. {@code connect} or {@code io_uring recv}
     * @param errno the errno, positive or negative (as io_uring returns it)
     * @param advice what the user can do, or null or empty for nothing
     */
    public NativeIoException(String syscall, int errno, String advice) {
        super(syscall + ": " + Errno.describe(errno) + (advice == null || advice.isEmpty() ? "" : ": " + advice));
        this.syscall = syscall;
        this.errno = Math.abs(errno);
    }

    /**
     * A failed call, with jring's advice for the errnos users meet most.
     *
     * @param syscall the call, e.g. {@code connect} or {@code io_uring recv}
     * @param errno the errno, positive or negative (as io_uring returns it)
     */
    public NativeIoException(String syscall, int errno) {
        this(syscall, errno, Advice.forErrno(syscall, errno));
    }

    /**
     * The failed call.
     *
     * @return e.g. {@code connect} or {@code io_uring recv}
     */
    public String syscall() {
        return syscall;
    }

    /**
     * The errno.
     *
     * @return the positive errno value
     */
    public int errno() {
        return errno;
    }

    /**
     * The errno's symbolic name.
     *
     * @return e.g. {@code ECONNRESET}
     */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** Plain-language next steps for the errnos users meet most. */
    static final class Advice {
        private Advice() {}

        static String forErrno(String syscall, int errno) {
            return switch (Math.abs(errno)) {
                case Errno.ECONNREFUSED -> "nothing is listening at that address; start the server or check host and port";
                case Errno.ECONNRESET -> "the peer reset the connection; it closed abruptly or crashed";
                case Errno.EPIPE -> "the peer closed the connection; stop writing to it";
                case Errno.EADDRINUSE -> "the port is taken; pick another port or stop the process using it";
                case Errno.EADDRNOTAVAIL -> "that address is not assigned to this machine";
                case Errno.EMFILE, Errno.ENFILE -> "out of file descriptors; raise the limit (ulimit -n) or close idle connections";
                case Errno.ENOMEM -> "the kernel is out of memory for this request";
                case Errno.EPERM, Errno.EACCES -> "the kernel refused it; check privileges, seccomp and sysctls";
                case Errno.ETIMEDOUT -> "the peer did not answer in time";
                case Errno.ENETUNREACH, Errno.EHOSTUNREACH -> "no route to that host";
                default -> "";
            };
        }
    }
}
