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
import java.net.SocketAddress;

/**
 * The synchronous socket calls both drivers share: creating, binding and tuning sockets and
 * asking their addresses. None of them blocks, so they run on the caller's thread.
 */
public final class Sockets {
    private Sockets() {}

    /**
     * A non-blocking, close-on-exec stream socket for {@code address}'s family: TCP, or AF_UNIX
     * for a {@code UnixDomainSocketAddress} or an {@code AbstractUnixAddress}.
     *
     * @throws IllegalArgumentException an address type jring does not take
     */
    public static int newStreamSocket(SocketAddress address) throws NativeIoException {
        int family = familyOf(address);
        int fd = LibC.socket(family, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeIoException("socket", fd);
        }
        return fd;
    }

    /**
     * AF_INET, AF_INET6 or AF_UNIX; refuses any other address type, naming the ones jring
     * takes, and a Unix path that does not fit sockaddr_un (before any socket exists to leak).
     */
    public static int familyOf(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            if (inet.isUnresolved()) {
                throw new IllegalArgumentException("unresolved address " + inet + ": resolve the host name first");
            }
            return inet.getAddress() instanceof Inet6Address ? Linux.AF_INET6 : Linux.AF_INET;
        }
        if (UnixAddresses.isUnix(address)) {
            if (address instanceof java.net.UnixDomainSocketAddress path) {
                UnixAddresses.pathBytes(path); // throws if empty or too long
            }
            return Linux.AF_UNIX;
        }
        throw new IllegalArgumentException("unsupported address type "
                + (address == null ? "null" : address.getClass().getName())
                + ": jring takes InetSocketAddress, UnixDomainSocketAddress or io.jring.AbstractUnixAddress");
    }

    /**
     * socket + options + bind + listen; closes the socket again if any step fails. On a Unix
     * address SO_REUSEADDR and SO_REUSEPORT are not set (they mean nothing for AF_UNIX: a path
     * cannot be shared and the kernel does not spread a Unix listener), and a bind refused with
     * EADDRINUSE says whether the socket file is stale ({@link UnixSocketFiles}).
     */
    public static int listen(SocketAddress address, ListenOptions options) throws NativeIoException {
        boolean unix = UnixAddresses.isUnix(address);
        int fd = newStreamSocket(address);
        int backlog = options.backlog();
        try (Arena arena = Arena.ofConfined()) {
            if (options.reuseAddress() && !unix) {
                setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1, "SO_REUSEADDR");
            }
            if (options.reusePort() && !unix) {
                setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1, "SO_REUSEPORT");
            }
            if (options.receiveBufferSize() > 0) {
                // Before listen: accepted sockets inherit it, and the window scale their
                // handshake announces is chosen from it.
                setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, options.receiveBufferSize(), "SO_RCVBUF");
            }
            MemorySegment sockaddr = arena.allocate(SocketAddresses.MAX_ANY_LENGTH, 8);
            int length = SocketAddresses.writeAny(address, sockaddr);
            int res = LibC.bind(fd, sockaddr, length);
            if (res < 0) {
                throw unix ? UnixSocketFiles.bindFailed(address, res)
                        : new NativeIoException("bind " + SocketAddresses.format((InetSocketAddress) address), res);
            }
            res = LibC.listen(fd, backlog);
            if (res < 0) {
                // bind made the socket file: a failed listen must not leave it behind as a stale one
                UnixSocketFiles.removeIfSame(address, UnixSocketFiles.fileKeyAfterBind(address));
                throw new NativeIoException("listen " + SocketAddresses.formatAny(address), res);
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

    public static SocketAddress localAddress(int fd) throws NativeIoException {
        return address(fd, true);
    }

    public static SocketAddress remoteAddress(int fd) throws NativeIoException {
        return address(fd, false);
    }

    /** The port a TCP socket is bound to. */
    public static int localPort(int fd) throws NativeIoException {
        return ((InetSocketAddress) localAddress(fd)).getPort();
    }

    private static SocketAddress address(int fd, boolean local) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(128, 8);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 128);
            int res = local ? LibC.getsockname(fd, sockaddr, length) : LibC.getpeername(fd, sockaddr, length);
            if (res == -Errno.ENOTCONN && !local && peerNameAfterReset(fd, sockaddr, length)) {
                return SocketAddresses.readAny(sockaddr, length.get(ValueLayout.JAVA_INT, 0));
            }
            if (res < 0) {
                throw new NativeIoException(local ? "getsockname" : "getpeername", res);
            }
            return SocketAddresses.readAny(sockaddr, length.get(ValueLayout.JAVA_INT, 0));
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
