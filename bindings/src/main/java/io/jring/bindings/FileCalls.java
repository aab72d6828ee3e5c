package io.jring.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The file and pipe calls of libc: what the epoll backend's blocking pool runs, and what the
 * io_uring backend runs when its ring lacks a file opcode. Each returns a count or
 * {@code -errno}, like the kernel (and io_uring's CQEs) do.
 */
public final class FileCalls {
    private static final SymbolLookup LIBC = Native.LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    // openat and fcntl are variadic in C: their last argument must be passed as one.
    private static final MethodHandle OPENAT = Native.downcall(LIBC.find("openat").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(3), ERRNO);
    private static final MethodHandle FCNTL = Native.downcall(LIBC.find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), ERRNO);
    private static final MethodHandle PREAD = call("pread", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle PWRITE = call("pwrite", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle PREADV = call("preadv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle PWRITEV = call("pwritev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle FSYNC = call("fsync", JAVA_INT, JAVA_INT);
    private static final MethodHandle FDATASYNC = call("fdatasync", JAVA_INT, JAVA_INT);
    private static final MethodHandle STATX = call("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle PIPE2 = call("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SENDFILE = call("sendfile", JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG);

    private FileCalls() {}

    private static MethodHandle call(String name, java.lang.foreign.MemoryLayout ret, java.lang.foreign.MemoryLayout... args) {
        return Native.downcallWithErrno(LIBC, name, FunctionDescriptor.of(ret, args));
    }

    /** {@code path} is a NUL-terminated string; returns the new descriptor or -errno. */
    public static int openat(int dirFd, MemorySegment path, int flags, int mode) {
        try {
            return (int) Native.result((int) OPENAT.invokeExact(Native.callState(), dirFd, path, flags, mode));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) Native.result((int) FCNTL.invokeExact(Native.callState(), fd, cmd, arg));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        try {
            return Native.result((long) PREAD.invokeExact(Native.callState(), fd, buf, count, offset));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        try {
            return Native.result((long) PWRITE.invokeExact(Native.callState(), fd, buf, count, offset));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code iov} holds {@code count} {@link SocketLayouts#IOVEC struct iovec}s. */
    public static long preadv(int fd, MemorySegment iov, int count, long offset) {
        try {
            return Native.result((long) PREADV.invokeExact(Native.callState(), fd, iov, count, offset));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code iov} holds {@code count} {@link SocketLayouts#IOVEC struct iovec}s. */
    public static long pwritev(int fd, MemorySegment iov, int count, long offset) {
        try {
            return Native.result((long) PWRITEV.invokeExact(Native.callState(), fd, iov, count, offset));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static int fsync(int fd) {
        try {
            return (int) Native.result((int) FSYNC.invokeExact(Native.callState(), fd));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static int fdatasync(int fd) {
        try {
            return (int) Native.result((int) FDATASYNC.invokeExact(Native.callState(), fd));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code buffer} holds a struct statx ({@link FileConstants#STATX_BUFFER_SIZE} bytes). */
    public static int statx(int dirFd, MemorySegment path, int flags, int mask, MemorySegment buffer) {
        try {
            return (int) Native.result((int) STATX.invokeExact(Native.callState(), dirFd, path, flags, mask, buffer));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code fds} holds two ints: the read end, then the write end. */
    public static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) Native.result((int) PIPE2.invokeExact(Native.callState(), fds, flags));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code offset} holds an off_t that the call advances; the file's own position is left alone. */
    public static long sendfile(int outFd, int inFd, MemorySegment offset, long count) {
        try {
            return Native.result((long) SENDFILE.invokeExact(Native.callState(), outFd, inFd, offset, count));
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }
}
