package io.jring.net;

import io.jring.ListenOptions;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.bindings.SocketLayouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The synchronous socket calls both drivers share: creating, binding and tuning sockets and
 * asking their addresses. None of them blocks, so they run on the caller's thread.
 */
public final class Sockets {
    private Sockets() {}

    /** A non-blocking, close-on-exec TCP socket for {@code address}'s family. */
    public static int newStreamSocket(InetSocketAddress address) throws NativeIoException {
        int family = address.getAddress() instanceof Inet6Address ? Linux.AF_INET6 : Linux.AF_INET;
        int fd = LibC.socket(family, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeIoException("socket", fd);
        }
        return fd;
    }

    /** socket + options + bind + listen; closes the socket again if any step fails. */
    public static int listen(InetSocketAddress address, ListenOptions options) throws NativeIoException {
        int fd = newStreamSocket(address);
        int backlog = options.backlog();
        try (Arena arena = Arena.ofConfined()) {
            if (options.reuseAddress()) {
                setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1, "SO_REUSEADDR");
            }
            if (options.reusePort()) {
                setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1, "SO_REUSEPORT");
            }
            if (options.receiveBufferSize() > 0) {
                // Before listen: accepted sockets inherit it, and the window scale their
                // handshake announces is chosen from it.
                setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, options.receiveBufferSize(), "SO_RCVBUF");
            }
            MemorySegment sockaddr = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
            int length = SocketAddresses.write(address, sockaddr);
            int res = LibC.bind(fd, sockaddr, length);
            if (res < 0) {
                throw new NativeIoException("bind " + SocketAddresses.format(address), res);
            }
            res = LibC.listen(fd, backlog);
            if (res < 0) {
                throw new NativeIoException("listen " + SocketAddresses.format(address), res);
            }
            return fd;
        } catch (NativeIoException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    public static void setIntOption(int fd, int level, int option, int value, String name) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            int res = LibC.setsockopt(fd, level, option, arena.allocateFrom(ValueLayout.JAVA_INT, value), 4);
            if (res < 0) {
                throw new NativeIoException("setsockopt " + name, res);
            }
        }
    }

    /** TCP_NODELAY: request/response traffic should not wait for Nagle's timer. */
    public static void setNoDelay(int fd) {
        try {
            setIntOption(fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1, "TCP_NODELAY");
        } catch (NativeIoException ignored) {
            // Not fatal: the connection works, only latency suffers; the peer may already be gone.
        }
    }

    public static InetSocketAddress localAddress(int fd) throws NativeIoException {
        return address(fd, true);
    }

    public static InetSocketAddress remoteAddress(int fd) throws NativeIoException {
        return address(fd, false);
    }

    private static InetSocketAddress address(int fd, boolean local) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(128, 8);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 128);
            int res = local ? LibC.getsockname(fd, sockaddr, length) : LibC.getpeername(fd, sockaddr, length);
            if (res == -Errno.ENOTCONN && !local && peerNameAfterReset(fd, sockaddr, length)) {
                return SocketAddresses.read(sockaddr);
            }
            if (res < 0) {
                throw new NativeIoException(local ? "getsockname" : "getpeername", res);
            }
            return SocketAddresses.read(sockaddr);
        }
    }

    /**
     * getpeername refuses a TCP socket the peer has reset (its state is CLOSE), even one still
     * waiting in the accept queue, whose address accept(2) itself would have returned. SO_PEERNAME
     * asks the same kernel function the way accept does, without the state check; it wants the
     * address's exact size, so IPv6's is tried first, then IPv4's. False when the socket never
     * had a peer.
     */
    private static boolean peerNameAfterReset(int fd, MemorySegment sockaddr, MemorySegment length) {
        for (long size : new long[] {SocketLayouts.SOCKADDR_IN6.byteSize(), SocketLayouts.SOCKADDR_IN.byteSize()}) {
            length.set(ValueLayout.JAVA_INT, 0, (int) size);
            if (LibC.getsockopt(fd, Linux.SOL_SOCKET, Linux.SO_PEERNAME, sockaddr, length) == 0) {
                return true;
            }
        }
        return false;
    }
}
