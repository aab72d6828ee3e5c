package io.jring.net;

import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.List;

/**
 * The connection options jring supports, mapped onto setsockopt/getsockopt. Values follow the
 * JDK's {@link StandardSocketOptions} contracts, so code written for a {@code SocketChannel}
 * reads the same here. Callers must hold the descriptor open for the call (the loop thread).
 */
public final class SocketOptions {
    /** Every option {@code Connection.setOption}/{@code getOption} accept. */
    public static final List<SocketOption<?>> SUPPORTED = List.of(
            StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS);

    /** struct linger is two ints: l_onoff, l_linger (seconds). */
    private static final int LINGER_SIZE = 8;
    /** The kernel keeps l_linger in an int, but the JDK caps it at 65535 s; so do we, loudly. */
    private static final int MAX_LINGER_SECONDS = 65_535;

    private SocketOptions() {}

    /** Refuses an option jring does not support, naming the ones it does. */
    public static void checkSupported(SocketOption<?> option) {
        if (option == null) {
            throw new NullPointerException("option is null; supported: " + names());
        }
        if (!SUPPORTED.contains(option)) {
            throw new UnsupportedOperationException(
                    "socket option " + option.name() + " is not supported on a connection; supported: " + names());
        }
    }

    /** The options that mean something on a TCP socket only (SO_LINGER: AF_UNIX has no reset or linger). */
    private static final List<SocketOption<?>> TCP_ONLY = List.of(
            StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
            StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS);

    /**
     * Refuses a TCP option on a Unix domain connection: the kernel would take some of them
     * (SO_KEEPALIVE, SO_LINGER) and do nothing, and refuse the others with a bare EOPNOTSUPP.
     */
    public static void checkFamily(SocketOption<?> option, boolean unixDomain) {
        if (unixDomain && TCP_ONLY.contains(option)) {
            throw new IllegalArgumentException(option.name() + " is a TCP/IP option and this is a Unix domain"
                    + " socket connection, where it has no meaning; Unix connections take SO_RCVBUF and SO_SNDBUF");
        }
    }

    /**
     * Checks {@code value} for {@code option} before anything reaches the kernel, so a bad value
     * fails the call alone, with the rule it broke.
     */
    public static <T> void checkValue(SocketOption<T> option, T value) {
        checkSupported(option);
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException(option.name() + " takes a " + option.type().getSimpleName()
                    + ", got " + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        if (option == StandardSocketOptions.SO_RCVBUF || option == StandardSocketOptions.SO_SNDBUF) {
            int size = (Integer) value;
            if (size <= 0) {
                throw new IllegalArgumentException(option.name() + " must be a positive byte count, got " + size);
            }
        } else if (option == StandardSocketOptions.SO_LINGER) {
            int seconds = (Integer) value;
            if (seconds > MAX_LINGER_SECONDS) {
                throw new IllegalArgumentException("SO_LINGER takes seconds up to " + MAX_LINGER_SECONDS
                        + " (or a negative value to turn it off), got " + seconds);
            }
        } else if (option == StandardSocketOptions.IP_TOS) {
            int tos = (Integer) value;
            if (tos < 0 || tos > 255) {
                throw new IllegalArgumentException("IP_TOS takes 0 to 255, got " + tos);
            }
        }
    }

    /**
     * setsockopt for {@code option} on {@code fd}; {@code ipv6} picks IPV6_TCLASS for IP_TOS.
     * {@link #checkValue} must have passed.
     */
    public static <T> void set(int fd, boolean ipv6, SocketOption<T> option, T value) throws NativeIoException {
        if (option == StandardSocketOptions.SO_LINGER) {
            setLinger(fd, (Integer) value);
            return;
        }
        int level = level(option, ipv6);
        int name = name(option, ipv6);
        int raw = value instanceof Boolean on ? (on ? 1 : 0) : (Integer) value;
        Sockets.setIntOption(fd, level, name, raw, cName(option, ipv6));
    }

    /** SO_LINGER: negative turns it off; 0 makes close() send RST (an abortive close). */
    public static void setLinger(int fd, int seconds) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment linger = arena.allocate(LINGER_SIZE, 4);
            linger.set(ValueLayout.JAVA_INT, 0, seconds >= 0 ? 1 : 0);
            linger.set(ValueLayout.JAVA_INT, 4, Math.max(seconds, 0));
            int res = LibC.setsockopt(fd, Linux.SOL_SOCKET, Linux.SO_LINGER, linger, LINGER_SIZE);
            if (res < 0) {
                throw new NativeIoException("setsockopt SO_LINGER", res);
            }
        }
    }

    /** getsockopt for {@code option} on {@code fd}, as the kernel reports it (SO_RCVBUF is doubled by Linux). */
    public static <T> T get(int fd, boolean ipv6, SocketOption<T> option) throws NativeIoException {
        checkSupported(option);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(LINGER_SIZE, 4);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, LINGER_SIZE);
            int level = option == StandardSocketOptions.SO_LINGER ? Linux.SOL_SOCKET : level(option, ipv6);
            int name = option == StandardSocketOptions.SO_LINGER ? Linux.SO_LINGER : name(option, ipv6);
            int res = LibC.getsockopt(fd, level, name, value, length);
            if (res < 0) {
                throw new NativeIoException("getsockopt " + cName(option, ipv6), res);
            }
            int first = value.get(ValueLayout.JAVA_INT, 0);
            Object result;
            if (option == StandardSocketOptions.SO_LINGER) {
                result = first == 0 ? -1 : value.get(ValueLayout.JAVA_INT, 4);
            } else if (option.type() == Boolean.class) {
                result = first != 0;
            } else {
                result = first;
            }
            return option.type().cast(result);
        }
    }

    private static int level(SocketOption<?> option, boolean ipv6) {
        if (option == StandardSocketOptions.TCP_NODELAY) {
            return Linux.IPPROTO_TCP;
        }
        if (option == StandardSocketOptions.IP_TOS) {
            return ipv6 ? Linux.IPPROTO_IPV6 : Linux.IPPROTO_IP;
        }
        return Linux.SOL_SOCKET;
    }

    private static int name(SocketOption<?> option, boolean ipv6) {
        if (option == StandardSocketOptions.TCP_NODELAY) return Linux.TCP_NODELAY;
        if (option == StandardSocketOptions.SO_KEEPALIVE) return Linux.SO_KEEPALIVE;
        if (option == StandardSocketOptions.SO_RCVBUF) return Linux.SO_RCVBUF;
        if (option == StandardSocketOptions.SO_SNDBUF) return Linux.SO_SNDBUF;
        if (option == StandardSocketOptions.IP_TOS) return ipv6 ? Linux.IPV6_TCLASS : Linux.IP_TOS;
        throw new IllegalStateException("no mapping for " + option.name()); // SUPPORTED and this disagree
    }

    /** The C name an error message shows: IP_TOS on an IPv6 socket is really IPV6_TCLASS. */
    private static String cName(SocketOption<?> option, boolean ipv6) {
        return option == StandardSocketOptions.IP_TOS && ipv6 ? "IPV6_TCLASS" : option.name();
    }

    private static String names() {
        return SUPPORTED.stream().map(SocketOption::name).toList().toString();
    }
}
