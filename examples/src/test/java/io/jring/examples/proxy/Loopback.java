package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Plain blocking JDK sockets on loopback, for the tests that play the upstream themselves. Every
 * accept and read gives up after {@link #PATIENCE_MS}, so a proxy that hangs fails the test.
 */
final class Loopback {
    static final int PATIENCE_MS = 10_000;

    private Loopback() {}

    /** A listening upstream on an ephemeral port; {@code receiveBuffer} > 0 fixes SO_RCVBUF of what it accepts. */
    static ServerSocket listen(int backlog, int receiveBuffer) throws IOException {
        ServerSocket server = new ServerSocket();
        if (receiveBuffer > 0) {
            server.setReceiveBufferSize(receiveBuffer); // before bind, so accepted sockets inherit it
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
        server.setSoTimeout(PATIENCE_MS);
        return server;
    }

    static Socket accept(ServerSocket server) throws IOException {
        Socket socket = server.accept();
        socket.setSoTimeout(PATIENCE_MS);
        return socket;
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(PATIENCE_MS);
        return socket;
    }

    /** Writes {@code text} on {@code from} and checks that exactly it arrives on {@code to}. */
    static void pass(String text, Socket from, Socket to) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        from.getOutputStream().write(bytes);
        assertEquals(text, new String(to.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8));
    }

    /**
     * Reads on until the connection ends: -1 for a FIN, and a reset counts as an end too (a close
     * with unread input sends RST). A connection that stays open fails after {@link #PATIENCE_MS}.
     */
    static void assertEnds(Socket socket, String what) throws IOException {
        try {
            while (socket.getInputStream().read() >= 0) {
                // bytes still in flight before the end
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + " stayed open for " + PATIENCE_MS + " ms", e);
        } catch (SocketException reset) {
            // ended by RST
        }
    }

    /** A fresh client through the proxy on {@code proxyPort} reaches {@code upstream}, and both directions carry bytes. */
    static void assertServes(int proxyPort, ServerSocket upstream) throws IOException {
        try (Socket client = connect(proxyPort); Socket server = accept(upstream)) {
            pass("ping", client, server);
            pass("pong", server, client);
        }
    }
}
