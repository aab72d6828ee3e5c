package io.jring.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * libc's socket, epoll, eventfd and resource-limit calls. Every method returns what the C
 * function returns on success and {@code -errno} on failure (never -1), like the kernel and
 * like io_uring's {@code cqe->res}; {@link Errno#name(int)} names it.
 *
 * <p>Pointer arguments are native segments the caller owns for the duration of the call.
 */
public final class LibC {
    private static final SymbolLookup LIBC = Native.LINKER.defaultLookup();

    private static final MethodHandle SOCKET = errnoCall("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle SOCKETPAIR = errnoCall("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle BIND = errnoCall("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = errnoCall("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT4 = errnoCall("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = errnoCall("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SETSOCKOPT = errnoCall("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKOPT = errnoCall("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETSOCKNAME = errnoCall("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle GETPEERNAME = errnoCall("getpeername", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SHUTDOWN = errnoCall("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle CLOSE = errnoCall("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle READ = errnoCall("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = errnoCall("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle READV = errnoCall("readv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle WRITEV = errnoCall("writev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SEND = errnoCall("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle RECV = errnoCall("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle EVENTFD = errnoCall("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = errnoCall("epoll_create1", JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CTL = errnoCall("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle EPOLL_WAIT = errnoCall("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle GETRLIMIT = errnoCall("getrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SETRLIMIT = errnoCall("setrlimit", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SENDMSG = errnoCall("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RECVMSG = errnoCall("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    // The pointer mmap returns is taken as a long: MAP_FAILED is (void *) -1, which result() turns into -errno.
    private static final MethodHandle MMAP = errnoCall("mmap", JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MUNMAP = errnoCall("munmap", JAVA_INT, ADDRESS, JAVA_LONG);
    /** {@code long syscall(long number, ...)}: the raw io_uring_enter, whose errno libc reports unambiguously. */
    private static final MethodHandle SYSCALL_IO_URING_ENTER = Native.downcall(
            LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG),
            java.lang.foreign.Linker.Option.firstVariadicArg(1),
            java.lang.foreign.Linker.Option.captureCallState("errno"));
    private static final long SYS_IO_URING_ENTER = 426; // same number on x86-64 and the asm-generic ABIs
    private static final MethodHandle STRERROR =
            Native.downcall(LIBC, "strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LibC() {}

    private static MethodHandle errnoCall(String name, java.lang.foreign.MemoryLayout ret,
                                          java.lang.foreign.MemoryLayout... args) {
        return Native.downcallWithErrno(LIBC, name, FunctionDescriptor.of(ret, args));
    }

    public static int socket(int domain, int type, int protocol) {
        try {
            return (int) Native.result((int) SOCKET.invokeExact(Native.callState(), domain, type, protocol));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code fds} holds two ints. */
    public static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) Native.result((int) SOCKETPAIR.invokeExact(Native.callState(), domain, type, protocol, fds));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int bind(int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) Native.result((int) BIND.invokeExact(Native.callState(), fd, addr, addrLen));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int listen(int fd, int backlog) {
        try {
            return (int) Native.result((int) LISTEN.invokeExact(Native.callState(), fd, backlog));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int accept4(int fd, MemorySegment addr, MemorySegment addrLen, int flags) {
        try {
            return (int) Native.result((int) ACCEPT4.invokeExact(Native.callState(), fd, addr, addrLen, flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int connect(int fd, MemorySegment addr, int addrLen) {
        try {
            return (int) Native.result((int) CONNECT.invokeExact(Native.callState(), fd, addr, addrLen));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int setsockopt(int fd, int level, int name, MemorySegment value, int valueLen) {
        try {
            return (int) Native.result((int) SETSOCKOPT.invokeExact(Native.callState(), fd, level, name, value, valueLen));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment valueLen) {
        try {
            return (int) Native.result((int) GETSOCKOPT.invokeExact(Native.callState(), fd, level, name, value, valueLen));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrLen) {
        try {
            return (int) Native.result((int) GETSOCKNAME.invokeExact(Native.callState(), fd, addr, addrLen));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int getpeername(int fd, MemorySegment addr, MemorySegment addrLen) {
        try {
            return (int) Native.result((int) GETPEERNAME.invokeExact(Native.callState(), fd, addr, addrLen));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int shutdown(int fd, int how) {
        try {
            return (int) Native.result((int) SHUTDOWN.invokeExact(Native.callState(), fd, how));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int close(int fd) {
        try {
            return (int) Native.result((int) CLOSE.invokeExact(Native.callState(), fd));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long read(int fd, MemorySegment buf, long count) {
        try {
            return Native.result((long) READ.invokeExact(Native.callState(), fd, buf, count));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long write(int fd, MemorySegment buf, long count) {
        try {
            return Native.result((long) WRITE.invokeExact(Native.callState(), fd, buf, count));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long readv(int fd, MemorySegment iov, int iovcnt) {
        try {
            return Native.result((long) READV.invokeExact(Native.callState(), fd, iov, iovcnt));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long writev(int fd, MemorySegment iov, int iovcnt) {
        try {
            return Native.result((long) WRITEV.invokeExact(Native.callState(), fd, iov, iovcnt));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long send(int fd, MemorySegment buf, long len, int flags) {
        try {
            return Native.result((long) SEND.invokeExact(Native.callState(), fd, buf, len, flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long recv(int fd, MemorySegment buf, long len, int flags) {
        try {
            return Native.result((long) RECV.invokeExact(Native.callState(), fd, buf, len, flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code msg} is a {@link SocketLayouts#MSGHDR}. */
    public static long sendmsg(int fd, MemorySegment msg, int flags) {
        try {
            return Native.result((long) SENDMSG.invokeExact(Native.callState(), fd, msg, flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code msg} is a {@link SocketLayouts#MSGHDR}; the kernel writes the sender into its name. */
    public static long recvmsg(int fd, MemorySegment msg, int flags) {
        try {
            return Native.result((long) RECVMSG.invokeExact(Native.callState(), fd, msg, flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * {@code io_uring_enter(fd, to_submit, min_complete, flags, NULL, 0)}: the number of SQEs
     * consumed, or {@code -errno}. The runtime calls it directly (rather than liburing's
     * io_uring_submit) so one call can both submit and run deferred task work (GETEVENTS)
     * without blocking.
     */
    public static int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags) {
        return ioUringEnter(ringFd, toSubmit, minComplete, flags, MemorySegment.NULL, 0L);
    }

    /** io_uring_enter with its argument: with {@code IORING_ENTER_EXT_ARG}, a getevents_arg. */
    public static int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags, MemorySegment arg, long argSize) {
        try {
            return (int) Native.result((long) SYSCALL_IO_URING_ENTER.invokeExact(Native.callState(),
                    SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete, flags, arg, argSize));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * An anonymous private mapping of {@code length} bytes: its address, or {@code -errno}. Such
     * memory goes back to the kernel at {@link #munmap}, which memory from malloc need not do.
     */
    public static long mmapAnonymous(long length) {
        try {
            return Native.result((long) MMAP.invokeExact(Native.callState(), MemorySegment.NULL, length,
                    Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0L));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int munmap(long address, long length) {
        try {
            return (int) Native.result((int) MUNMAP.invokeExact(Native.callState(), MemorySegment.ofAddress(address), length));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int eventfd(int initval, int flags) {
        try {
            return (int) Native.result((int) EVENTFD.invokeExact(Native.callState(), initval, flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int epollCreate1(int flags) {
        try {
            return (int) Native.result((int) EPOLL_CREATE1.invokeExact(Native.callState(), flags));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) Native.result((int) EPOLL_CTL.invokeExact(Native.callState(), epfd, op, fd, event));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) Native.result((int) EPOLL_WAIT.invokeExact(Native.callState(), epfd, events, maxEvents, timeoutMillis));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code rlimit} is a {@link SocketLayouts#RLIMIT}. */
    public static int getrlimit(int resource, MemorySegment rlimit) {
        try {
            return (int) Native.result((int) GETRLIMIT.invokeExact(Native.callState(), resource, rlimit));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int setrlimit(int resource, MemorySegment rlimit) {
        try {
            return (int) Native.result((int) SETRLIMIT.invokeExact(Native.callState(), resource, rlimit));
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** libc's message for an errno, e.g. "Connection reset by peer". */
    public static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return NativeMemory.view(message, 256).getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
