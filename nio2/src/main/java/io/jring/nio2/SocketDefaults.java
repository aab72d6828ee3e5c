package io.jring.nio2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;

/**
 * What getOption answers before the socket exists. jring creates a client's socket when it
 * connects and a server's when it binds, so an unconnected channel has no descriptor to ask;
 * these are the kernel's defaults, read once from a throwaway JDK socket, and the JDK's own
 * defaults for the flags (TCP_NODELAY and SO_KEEPALIVE off; SO_REUSEADDR on for a server).
 */
final class SocketDefaults {
    private SocketDefaults() {}

    private static final class Kernel {
        static final int RCVBUF;
        static final int SNDBUF;
        static final int SERVER_RCVBUF;

        static {
            try (Socket socket = new Socket(); ServerSocket server = new ServerSocket()) {
                RCVBUF = socket.getReceiveBufferSize();
                SNDBUF = socket.getSendBufferSize();
                SERVER_RCVBUF = server.getReceiveBufferSize();
            } catch (IOException e) {
                throw new UncheckedIOException("reading the kernel's default socket buffer sizes", e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T forSocket(SocketOption<T> option) {
        Object value;
        if (option == StandardSocketOptions.SO_RCVBUF) {
            value = Kernel.RCVBUF;
        } else if (option == StandardSocketOptions.SO_SNDBUF) {
            value = Kernel.SNDBUF;
        } else {
            value = Boolean.FALSE; // TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR
        }
        return (T) value;
    }

    @SuppressWarnings("unchecked")
    static <T> T forServer(SocketOption<T> option) {
        Object value;
        if (option == StandardSocketOptions.SO_RCVBUF) {
            value = Kernel.SERVER_RCVBUF;
        } else if (option == StandardSocketOptions.SO_REUSEADDR) {
            value = Boolean.TRUE;
        } else {
            value = Boolean.FALSE; // SO_REUSEPORT
        }
        return (T) value;
    }

    /** The JDK's checks on a value: the option's type, and no negative buffer size. */
    static void checkValue(SocketOption<?> option, Object value) {
        if (value == null || !option.type().isInstance(value)) {
            throw new IllegalArgumentException("Invalid value '" + value + "' for " + option.name());
        }
        if ((option == StandardSocketOptions.SO_RCVBUF || option == StandardSocketOptions.SO_SNDBUF)
                && (Integer) value < 0) {
            throw new IllegalArgumentException("Invalid " + option.name() + " " + value + ": must be >= 0");
        }
    }
}
