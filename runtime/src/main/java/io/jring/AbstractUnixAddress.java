package io.jring;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A Linux abstract Unix domain socket name: an address in the kernel's own namespace (per
 * network namespace), with no file behind it, so nothing is left to clean up when the socket
 * closes and no stale file can block the next {@code listen}. On the wire it is a
 * {@code sockaddr_un} whose {@code sun_path} starts with a NUL byte, which a
 * {@link java.net.UnixDomainSocketAddress} cannot hold (its {@link java.nio.file.Path} refuses
 * NUL). Pass it to {@link IoRuntime#listen(SocketAddress)} and {@link IoRuntime#connect(SocketAddress)};
 * connections on it report it as their local or remote address.
 *
 * <p>The name is bytes, matched exactly (no NUL terminator, trailing bytes count): at most
 * {@value #MAX_NAME_BYTES} bytes, at least one. {@code ss -x} and {@code /proc/net/unix} print it
 * with a leading {@code @}, as {@link #toString()} does.
 */
public final class AbstractUnixAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    /** sun_path is 108 bytes and the leading NUL takes one. */
    public static final int MAX_NAME_BYTES = 107;

    /** The name's bytes, without the leading NUL; 1 to {@value #MAX_NAME_BYTES} of them. */
    private final byte[] name;

    private AbstractUnixAddress(byte[] name) {
        if (name.length == 0) {
            throw new IllegalArgumentException("an abstract Unix socket name needs at least one byte");
        }
        if (name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("abstract Unix socket name of " + name.length
                    + " bytes: sockaddr_un holds at most " + MAX_NAME_BYTES + " after the leading NUL");
        }
        this.name = name;
    }

    /**
     * The abstract name {@code name}, encoded in UTF-8.
     *
     * @param name the name, without the leading NUL (it is added on the wire)
     * @return the address
     * @throws IllegalArgumentException empty, or longer than {@value #MAX_NAME_BYTES} bytes in UTF-8
     */
    public static AbstractUnixAddress of(String name) {
        return new AbstractUnixAddress(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The abstract name made of exactly these bytes (they may hold NULs and non-UTF-8 bytes).
     *
     * @param name the name, without the leading NUL; copied
     * @return the address
     * @throws IllegalArgumentException empty, or longer than {@value #MAX_NAME_BYTES} bytes
     */
    public static AbstractUnixAddress ofBytes(byte[] name) {
        return new AbstractUnixAddress(name.clone());
    }

    /**
     * A deserialized address is checked like a new one.
     *
     * @return an address made through the constructor's checks
     */
    private Object readResolve() {
        return new AbstractUnixAddress(name == null ? new byte[0] : name.clone());
    }

    /** {@return the name's bytes, without the leading NUL (a copy)} */
    public byte[] nameBytes() {
        return name.clone();
    }

    /** {@return the name decoded as UTF-8 (bytes that are not UTF-8 show as U+FFFD)} */
    public String name() {
        return new String(name, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AbstractUnixAddress that && Arrays.equals(name, that.name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    /** {@return {@code @} and the name, as {@code ss -x} prints it; a name that is not printable UTF-8 is shown in hex} */
    @Override
    public String toString() {
        String text = name();
        boolean printable = text.chars().allMatch(c -> c >= 0x20 && c != 0x7f && c != 0xfffd);
        return printable ? "@" + text : "@[hex " + HexFormat.of().formatHex(name) + "]";
    }
}
