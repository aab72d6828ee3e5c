package io.jring.bindings;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * Layouts of the libc structs the socket and epoll calls take. Member names are the C names,
 * so {@code LayoutTest} can compare every offset with what gcc computes from the headers.
 */
public final class SocketLayouts {
    /** {@code struct sockaddr_in}: port and address are in network byte order. */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"),
            JAVA_SHORT.withName("sin_port"),
            JAVA_INT.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"))
            .withName("sockaddr_in");

    /** {@code struct sockaddr_in6}. */
    public static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin6_family"),
            JAVA_SHORT.withName("sin6_port"),
            JAVA_INT.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT.withName("sin6_scope_id"))
            .withName("sockaddr_in6");

    /**
     * {@code struct sockaddr_un}: a path name is NUL-terminated in {@code sun_path}; a Linux
     * abstract name starts with a NUL byte and ends where the address length says.
     */
    public static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path"))
            .withName("sockaddr_un");

    /** {@code struct sockaddr_storage}: big enough for any address family. */
    public static final long SOCKADDR_STORAGE_SIZE = 128;

    /** {@code struct iovec}. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len"))
            .withName("iovec");

    /** {@code struct msghdr} (56 bytes on 64-bit). */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4))
            .withName("msghdr");

    /** {@code struct __kernel_timespec} (64-bit seconds on every architecture). */
    public static final StructLayout KERNEL_TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_nsec"))
            .withName("__kernel_timespec");

    /**
     * {@code struct epoll_event}: packed on x86-64 (12 bytes, {@code data} at offset 4), but
     * naturally aligned (16 bytes) on other 64-bit architectures.
     */
    public static final StructLayout EPOLL_EVENT = epollEventLayout();

    /** {@code struct rlimit}. */
    public static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"),
            JAVA_LONG.withName("rlim_max"))
            .withName("rlimit");

    public static final long SIN_FAMILY = SOCKADDR_IN.byteOffset(groupElement("sin_family"));
    public static final long SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    public static final long SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));
    public static final long SIN6_PORT = SOCKADDR_IN6.byteOffset(groupElement("sin6_port"));
    public static final long SIN6_FLOWINFO = SOCKADDR_IN6.byteOffset(groupElement("sin6_flowinfo"));
    public static final long SIN6_ADDR = SOCKADDR_IN6.byteOffset(groupElement("sin6_addr"));
    public static final long SIN6_SCOPE_ID = SOCKADDR_IN6.byteOffset(groupElement("sin6_scope_id"));
    public static final long SUN_PATH = SOCKADDR_UN.byteOffset(groupElement("sun_path"));
    /** Bytes of {@code sun_path}: a path name holds one fewer (its NUL), an abstract name one fewer (its leading NUL). */
    public static final int SUN_PATH_SIZE = (int) SOCKADDR_UN.select(groupElement("sun_path")).byteSize();
    public static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    public static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));
    public static final long MSG_NAME = MSGHDR.byteOffset(groupElement("msg_name"));
    public static final long MSG_NAMELEN = MSGHDR.byteOffset(groupElement("msg_namelen"));
    public static final long MSG_IOV = MSGHDR.byteOffset(groupElement("msg_iov"));
    public static final long MSG_IOVLEN = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    public static final long MSG_FLAGS = MSGHDR.byteOffset(groupElement("msg_flags"));
    public static final long TV_SEC = KERNEL_TIMESPEC.byteOffset(groupElement("tv_sec"));
    public static final long TV_NSEC = KERNEL_TIMESPEC.byteOffset(groupElement("tv_nsec"));
    public static final long EPOLL_EVENTS = EPOLL_EVENT.byteOffset(groupElement("events"));
    public static final long EPOLL_DATA = EPOLL_EVENT.byteOffset(groupElement("data"));

    private SocketLayouts() {}

    private static StructLayout epollEventLayout() {
        boolean packed = "amd64".equals(System.getProperty("os.arch"))
                || "x86_64".equals(System.getProperty("os.arch"));
        return packed
                ? MemoryLayout.structLayout(
                        JAVA_INT.withName("events"),
                        JAVA_LONG.withByteAlignment(4).withName("data"))
                        .withByteAlignment(4).withName("epoll_event")
                : MemoryLayout.structLayout(
                        JAVA_INT.withName("events"),
                        MemoryLayout.paddingLayout(4),
                        JAVA_LONG.withName("data"))
                        .withName("epoll_event");
    }
}
