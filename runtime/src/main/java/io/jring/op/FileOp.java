package io.jring.op;

import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.Linux;
import java.nio.file.Path;

/**
 * An operation on a file: through the loop's ring when the ring has the opcode ({@link
 * #ringOpcode()}), else (epoll, or an io_uring without it) as a blocking call on the loop's
 * blocking pool: never on the loop thread. Failures name the call, the path and the errno.
 */
public abstract class FileOp<T> extends Op<T> {
    protected final Path path;

    protected FileOp(OpContext context, OpOwner owner, int fd, Path path, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.path = path;
    }

    /** The io_uring opcode of this op's completion form. */
    protected abstract int ringOpcode();

    /** The libc call of its blocking form, for errors: {@code pread}, {@code openat}... */
    protected abstract String blockingCall();

    @Override
    public Kind kind() {
        return Kind.FILE;
    }

    @Override
    public boolean blocking() {
        return !context.ringSupports(ringOpcode());
    }

    /** Never asked for: a file op does not wait for readiness (see {@link #blocking()}). */
    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    protected String failedCall() {
        return blocking() ? blockingCall() : "io_uring " + name();
    }

    /** Fails with the call, the path and the errno, and what the user can do about it. */
    protected final int failFile(long res) {
        return fail(error(failedCall(), path, (int) -res));
    }

    /** The exception a file call's {@code errno} becomes. */
    public static NativeIoException error(String call, Path path, int errno) {
        String advice = switch (Math.abs(errno)) {
            case Errno.ENOENT -> "no such file or directory; check the path";
            case Errno.EISDIR -> "it is a directory";
            case Errno.EACCES, Errno.EPERM -> "permission denied; check the file's mode, owner and the directories above it";
            case Errno.ENOSPC -> "the file system is full; free space or write elsewhere";
            case Errno.EBADF -> "the AsyncFile is closed (or was not opened for this: READ or WRITE)";
            case Errno.EEXIST -> "the file exists (CREATE_NEW)";
            case Errno.EMFILE -> "this process has no file descriptor left (RLIMIT_NOFILE): close files and connections"
                    + " you no longer use, or raise the limit (ulimit -n, LimitNOFILE= in systemd)";
            case Errno.EFBIG -> "the position is past the largest file this file system (or RLIMIT_FSIZE) allows";
            case Errno.ENFILE -> "the system's file table is full (fs.file-max): close files, or raise fs.file-max";
            default -> "";
        };
        return new NativeIoException(call, errno, path + (advice.isEmpty() ? "" : ": " + advice));
    }
}
