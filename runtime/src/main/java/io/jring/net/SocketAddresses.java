package io.jring.net;

import static io.jring.bindings.SocketLayouts.SIN6_ADDR;
import static io.jring.bindings.SocketLayouts.SIN6_FLOWINFO;
import static io.jring.bindings.SocketLayouts.SIN6_PORT;
import static io.jring.bindings.SocketLayouts.SIN6_SCOPE_ID;
import static io.jring.bindings.SocketLayouts.SIN_ADDR;
import static io.jring.bindings.SocketLayouts.SIN_FAMILY;
import static io.jring.bindings.SocketLayouts.SIN_PORT;

import io.jring.bindings.Linux;
import io.jring.bindings.SocketLayouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Converts between {@link InetSocketAddress} and {@code sockaddr_in}/{@code sockaddr_in6}, and,
 * through {@link UnixAddresses}, between any stream address jring takes and its sockaddr.
 */
public final class SocketAddresses {
    /** Room for either internet family. */
    public static final int MAX_LENGTH = (int) SocketLayouts.SOCKADDR_IN6.byteSize();
    /** Room for any address {@link #writeAny} takes (a {@code sockaddr_un} is the largest). */
    public static final int MAX_ANY_LENGTH = Math.max(MAX_LENGTH, UnixAddresses.LENGTH);

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SocketAddresses() {}

    /** Writes {@code address} into {@code out} (at least {@link #MAX_LENGTH} bytes); returns its length. */
    public static int write(InetSocketAddress address, MemorySegment out) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + address + ": resolve the host name first");
        }
        out.asSlice(0, MAX_LENGTH).fill((byte) 0);
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address) {
            out.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) Linux.AF_INET);
            out.set(NET_SHORT, SIN_PORT, (short) address.getPort());
            MemorySegment.copy(ip.getAddress(), 0, out, ValueLayout.JAVA_BYTE, SIN_ADDR, 4);
            return (int) SocketLayouts.SOCKADDR_IN.byteSize();
        }
        Inet6Address ip6 = (Inet6Address) ip;
        out.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) Linux.AF_INET6);
        out.set(NET_SHORT, SIN6_PORT, (short) address.getPort());
        out.set(ValueLayout.JAVA_INT, SIN6_FLOWINFO, 0);
        MemorySegment.copy(ip6.getAddress(), 0, out, ValueLayout.JAVA_BYTE, SIN6_ADDR, 16);
        out.set(ValueLayout.JAVA_INT, SIN6_SCOPE_ID, ip6.getScopeId());
        return MAX_LENGTH;
    }

    /**
     * Writes an internet or Unix domain address into {@code out} (at least {@link #MAX_ANY_LENGTH}
     * bytes); returns its length.
     *
     * @throws IllegalArgumentException another kind of address, or one that does not fit
     */
    public static int writeAny(SocketAddress address, MemorySegment out) {
        if (address instanceof InetSocketAddress inet) {
            return write(inet, out);
        }
        if (UnixAddresses.isUnix(address)) {
            return UnixAddresses.write(address, out);
        }
        throw new IllegalArgumentException("unsupported address type "
                + (address == null ? "null" : address.getClass().getName())
                + ": jring takes InetSocketAddress, UnixDomainSocketAddress or io.jring.AbstractUnixAddress");
    }

    /** Reads any address getsockname/getpeername return: {@code length} is the length they reported. */
    public static SocketAddress readAny(MemorySegment in, int length) {
        if (in.get(ValueLayout.JAVA_SHORT, SIN_FAMILY) == Linux.AF_UNIX) {
            return UnixAddresses.read(in, length);
        }
        return read(in);
    }

    /** {@code 127.0.0.1:8080}, {@code [::1]:8080}, a Unix socket's path, or {@code @name}. */
    public static String formatAny(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? format(inet) : UnixAddresses.format(address);
    }

    /** Reads a {@code sockaddr_in} or {@code sockaddr_in6}. */
    public static InetSocketAddress read(MemorySegment in) {
        int family = in.get(ValueLayout.JAVA_SHORT, SIN_FAMILY);
        try {
            if (family == Linux.AF_INET) {
                byte[] ip = in.asSlice(SIN_ADDR, 4).toArray(ValueLayout.JAVA_BYTE);
                return new InetSocketAddress(InetAddress.getByAddress(ip), Short.toUnsignedInt(in.get(NET_SHORT, SIN_PORT)));
            }
            if (family == Linux.AF_INET6) {
                byte[] ip = in.asSlice(SIN6_ADDR, 16).toArray(ValueLayout.JAVA_BYTE);
                int scope = in.get(ValueLayout.JAVA_INT, SIN6_SCOPE_ID);
                // Scope 0 means none: passing it on would print every address as "::1%0".
                return new InetSocketAddress(Inet6Address.getByAddress(null, ip, scope == 0 ? -1 : scope),
                        Short.toUnsignedInt(in.get(NET_SHORT, SIN6_PORT)));
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException("not an internet address: family " + family);
    }

    /** {@code 127.0.0.1:8080} or {@code [::1]:8080}. */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
