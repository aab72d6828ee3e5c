package io.jring.net;

import static io.jring.bindings.SocketLayouts.SIN_FAMILY;
import static io.jring.bindings.SocketLayouts.SUN_PATH;
import static io.jring.bindings.SocketLayouts.SUN_PATH_SIZE;

import io.jring.AbstractUnixAddress;
import io.jring.bindings.Linux;
import io.jring.bindings.SocketLayouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Converts between {@link UnixDomainSocketAddress} / {@link AbstractUnixAddress} and
 * {@code sockaddr_un}. Every length is checked here, before any byte reaches the kernel: the
 * kernel would cut a long path short (or refuse it with a bare EINVAL) and bind somewhere else.
 */
public final class UnixAddresses {
    /** The whole {@code sockaddr_un}. */
    public static final int LENGTH = (int) SocketLayouts.SOCKADDR_UN.byteSize();
    /** A path name must leave room for its NUL terminator in {@code sun_path}. */
    public static final int MAX_PATH_BYTES = SUN_PATH_SIZE - 1;

    /** Path bytes as the JDK's own file APIs encode them (the platform's file name encoding). */
    private static final Charset PATH_CHARSET = pathCharset();

    private UnixAddresses() {}

    /** Whether {@code address} is a Unix domain address jring handles. */
    public static boolean isUnix(SocketAddress address) {
        return address instanceof UnixDomainSocketAddress || address instanceof AbstractUnixAddress;
    }

    /**
     * The bytes of {@code address}'s path, checked: not empty, no NUL, at most
     * 107 bytes ({@link #MAX_PATH_BYTES}).
     */
    public static byte[] pathBytes(UnixDomainSocketAddress address) {
        String path = address.getPath().toString();
        if (path.isEmpty()) {
            throw new IllegalArgumentException("empty Unix socket path: name a file, or use an AbstractUnixAddress");
        }
        byte[] bytes = path.getBytes(PATH_CHARSET);
        if (bytes.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("Unix socket path of " + bytes.length + " bytes is too long: "
                    + "sockaddr_un holds at most " + MAX_PATH_BYTES + " bytes and a NUL (" + path + "); "
                    + "use a shorter path, e.g. a relative one or a directory nearer the root");
        }
        return bytes;
    }

    /** Writes {@code address} into {@code out} (at least {@link #LENGTH} bytes); returns the address length. */
    public static int write(SocketAddress address, MemorySegment out) {
        out.asSlice(0, LENGTH).fill((byte) 0);
        out.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) Linux.AF_UNIX);
        if (address instanceof AbstractUnixAddress abstractName) {
            byte[] name = abstractName.nameBytes(); // checked by AbstractUnixAddress itself
            MemorySegment.copy(name, 0, out, ValueLayout.JAVA_BYTE, SUN_PATH + 1, name.length);
            // The length, not a NUL, ends an abstract name: it must be exact.
            return (int) SUN_PATH + 1 + name.length;
        }
        byte[] path = pathBytes((UnixDomainSocketAddress) address);
        MemorySegment.copy(path, 0, out, ValueLayout.JAVA_BYTE, SUN_PATH, path.length);
        return (int) SUN_PATH + path.length + 1;
    }

    /**
     * Reads a {@code sockaddr_un} of {@code length} bytes as getsockname/getpeername/accept
     * return it: an unnamed socket (a client that did not bind) is {@code UnixDomainSocketAddress.of("")},
     * as in the JDK's own channels.
     */
    public static SocketAddress read(MemorySegment in, int length) {
        int pathLength = (int) Math.min(length - SUN_PATH, SUN_PATH_SIZE);
        if (pathLength <= 0) {
            return UnixDomainSocketAddress.of("");
        }
        byte[] raw = in.asSlice(SUN_PATH, pathLength).toArray(ValueLayout.JAVA_BYTE);
        if (raw[0] == 0) {
            return AbstractUnixAddress.ofBytes(java.util.Arrays.copyOfRange(raw, 1, raw.length));
        }
        int end = 0;
        while (end < raw.length && raw[end] != 0) {
            end++;
        }
        return UnixDomainSocketAddress.of(new String(raw, 0, end, PATH_CHARSET));
    }

    /** The path as given, or {@code @name} for an abstract name. */
    public static String format(SocketAddress address) {
        return address instanceof UnixDomainSocketAddress path ? path.getPath().toString() : address.toString();
    }

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException unknown) {
            return StandardCharsets.UTF_8;
        }
    }
}
