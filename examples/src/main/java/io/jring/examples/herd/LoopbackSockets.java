package io.jring.examples.herd;

import static io.jring.bindings.SocketLayouts.SIN_ADDR;
import static io.jring.bindings.SocketLayouts.SIN_FAMILY;
import static io.jring.bindings.SocketLayouts.SIN_PORT;
import static io.jring.bindings.SocketLayouts.SOCKADDR_IN;

import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The socket calls the herd makes, straight through the bindings; a failure names its call and errno. */
final class LoopbackSockets {
    private static final int LOOPBACK = 0x7f000001; // 127.0.0.1
    private static final int BACKLOG = 128;
    // sockaddr_in keeps port and address in network byte order.
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private LoopbackSockets() {}

    /**
     * A non-blocking socket listening on 127.0.0.1:{@code port} (0: any free port), with
     * SO_REUSEADDR, and SO_REUSEPORT if asked: every socket bound to one port must set it.
     */
    static int listen(int port, boolean reusePort) throws IOException {
        int fd = check(LibC.socket(Linux.AF_INET, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0),
                "socket");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            check(LibC.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, one, 4), "setsockopt SO_REUSEADDR");
            if (reusePort) {
                check(LibC.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, one, 4), "setsockopt SO_REUSEPORT");
            }
            MemorySegment address = arena.allocate(SOCKADDR_IN);
            address.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) Linux.AF_INET);
            address.set(NET_SHORT, SIN_PORT, (short) port);
            address.set(NET_INT, SIN_ADDR, LOOPBACK);
            check(LibC.bind(fd, address, (int) SOCKADDR_IN.byteSize()), "bind 127.0.0.1:" + port);
            check(LibC.listen(fd, BACKLOG), "listen");
            return fd;
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The port the kernel bound {@code fd} to. */
    static int localPort(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(SOCKADDR_IN);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, (int) SOCKADDR_IN.byteSize());
            check(LibC.getsockname(fd, address, length), "getsockname");
            return port(address);
        }
    }

    /** The port of a {@code sockaddr_in}, such as the peer address accept4 filled in. */
    static int port(MemorySegment sockaddrIn) {
        return Short.toUnsignedInt(sockaddrIn.get(NET_SHORT, SIN_PORT));
    }

    static int check(int result, String call) throws IOException {
        if (result < 0) {
            throw new IOException(call + ": " + Errno.describe(result));
        }
        return result;
    }
}
