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

/** The socket options a datagram endpoint takes, with the JDK's meanings; all are ints or booleans. */
public final class DatagramSocketOptions {
    public static final List<SocketOption<?>> SUPPORTED = List.of(
            StandardSocketOptions.SO_BROADCAST, StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.IP_TOS, StandardSocketOptions.IP_MULTICAST_TTL,
            StandardSocketOptions.IP_MULTICAST_LOOP);

    private DatagramSocketOptions() {}

    public static <T> void checkValue(SocketOption<T> option, T value) {
        checkSupported(option);
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException(option.name() + " takes a " + option.type().getSimpleName()
                    + ", got " + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        if (value instanceof Integer number) {
            int min = option == StandardSocketOptions.SO_RCVBUF || option == StandardSocketOptions.SO_SNDBUF ? 1 : 0;
            int max = option == StandardSocketOptions.IP_TOS || option == StandardSocketOptions.IP_MULTICAST_TTL
                    ? 255 : Integer.MAX_VALUE;
            if (number < min || number > max) {
                throw new IllegalArgumentException(option.name() + " takes " + min + " to " + max + ", got " + number);
            }
        }
    }

    public static void checkSupported(SocketOption<?> option) {
        if (option == null || !SUPPORTED.contains(option)) {
            throw new UnsupportedOperationException("socket option " + (option == null ? "null" : option.name())
                    + " is not supported on a datagram endpoint; supported: "
                    + SUPPORTED.stream().map(SocketOption::name).toList());
        }
    }

    public static <T> void set(int fd, boolean ipv6, SocketOption<T> option, T value) throws NativeIoException {
        int raw = value instanceof Boolean on ? (on ? 1 : 0) : (Integer) value;
        Sockets.setIntOption(fd, level(option, ipv6), name(option, ipv6), raw, cName(option, ipv6));
    }

    public static <T> T get(int fd, boolean ipv6, SocketOption<T> option) throws NativeIoException {
        checkSupported(option);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            int res = LibC.getsockopt(fd, level(option, ipv6), name(option, ipv6), value, length);
            if (res < 0) {
                throw new NativeIoException("getsockopt " + cName(option, ipv6), res);
            }
            int raw = value.get(ValueLayout.JAVA_INT, 0);
            return option.type().cast(option.type() == Boolean.class ? (Object) (raw != 0) : (Object) raw);
        }
    }

    private static boolean ipLevel(SocketOption<?> option) {
        return option == StandardSocketOptions.IP_TOS || option == StandardSocketOptions.IP_MULTICAST_TTL
                || option == StandardSocketOptions.IP_MULTICAST_LOOP;
    }

    private static int level(SocketOption<?> option, boolean ipv6) {
        return !ipLevel(option) ? Linux.SOL_SOCKET : ipv6 ? Linux.IPPROTO_IPV6 : Linux.IPPROTO_IP;
    }

    private static int name(SocketOption<?> option, boolean ipv6) {
        if (option == StandardSocketOptions.SO_BROADCAST) return Linux.SO_BROADCAST;
        if (option == StandardSocketOptions.SO_RCVBUF) return Linux.SO_RCVBUF;
        if (option == StandardSocketOptions.SO_SNDBUF) return Linux.SO_SNDBUF;
        if (option == StandardSocketOptions.IP_TOS) return ipv6 ? Linux.IPV6_TCLASS : Linux.IP_TOS;
        if (option == StandardSocketOptions.IP_MULTICAST_TTL) return ipv6 ? Linux.IPV6_MULTICAST_HOPS : Linux.IP_MULTICAST_TTL;
        if (option == StandardSocketOptions.IP_MULTICAST_LOOP) return ipv6 ? Linux.IPV6_MULTICAST_LOOP : Linux.IP_MULTICAST_LOOP;
        throw new IllegalStateException("no mapping for " + option.name());
    }

    private static String cName(SocketOption<?> option, boolean ipv6) {
        if (!ipv6 || !ipLevel(option)) {
            return option.name();
        }
        return option == StandardSocketOptions.IP_TOS ? "IPV6_TCLASS"
                : option == StandardSocketOptions.IP_MULTICAST_TTL ? "IPV6_MULTICAST_HOPS" : "IPV6_MULTICAST_LOOP";
    }
}
