package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Socket options on a connection and the abortive close. Every value read back comes from
 * getsockopt, which the kernel answers (Linux doubles buffer sizes, which a cached value would
 * not); the abort is checked from a plain {@link Socket} peer, which must see a reset.
 */
public abstract class SocketOptionsContract extends RuntimeTestBase {

    @Test
    void tcpNoDelayIsOnByDefaultAndCanBeTurnedOffAndOnAgain() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        assertEquals(true, connection.getOption(StandardSocketOptions.TCP_NODELAY), "jring turns Nagle off");
        assertSame(connection, connection.setOption(StandardSocketOptions.TCP_NODELAY, false));
        assertEquals(false, connection.getOption(StandardSocketOptions.TCP_NODELAY));
        connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
        assertEquals(true, connection.getOption(StandardSocketOptions.TCP_NODELAY));
        assertEchoes(pair, "nodelay");
    }

    @Test
    void keepAliveRoundTrips() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        assertEquals(false, connection.getOption(StandardSocketOptions.SO_KEEPALIVE), "the kernel's default");
        connection.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        assertEquals(true, connection.getOption(StandardSocketOptions.SO_KEEPALIVE));
        connection.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
        assertEquals(false, connection.getOption(StandardSocketOptions.SO_KEEPALIVE));
    }

    @Test
    void bufferSizesAreReportedAsTheKernelKeepsThem() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        int size = 48 * 1024;
        connection.setOption(StandardSocketOptions.SO_RCVBUF, size);
        connection.setOption(StandardSocketOptions.SO_SNDBUF, size);
        // Linux stores twice the request (capped at the sysctl maximum) for its own bookkeeping.
        assertEquals(2 * Math.min(size, sysctl("rmem_max")), connection.getOption(StandardSocketOptions.SO_RCVBUF));
        assertEquals(2 * Math.min(size, sysctl("wmem_max")), connection.getOption(StandardSocketOptions.SO_SNDBUF));
        assertEchoes(pair, "buffers");
    }

    @Test
    void acceptedConnectionsInheritTheListenersReceiveBuffer() throws Exception {
        IoRuntime runtime = open(2);
        int size = 24 * 1024;
        for (boolean reusePort : new boolean[] {true, false}) {
            Listener listener = runtime.listen(LOOPBACK_ANY_PORT,
                    ListenOptions.DEFAULT.withReusePort(reusePort).withReceiveBufferSize(size));
            for (int i = 0; i < 4; i++) { // with SO_REUSEPORT each loop has its own listening socket
                CompletableFuture<Connection> accepted = listener.accept();
                closeLater(PeerSocket.connect(listener.localAddress()));
                Connection connection = Await.get(accepted);
                assertEquals(2 * Math.min(size, sysctl("rmem_max")), connection.getOption(StandardSocketOptions.SO_RCVBUF),
                        "reusePort=" + reusePort + ", connection " + i);
                Await.get(connection.close());
            }
            Await.get(listener.close());
        }
        assertThrows(IllegalArgumentException.class, () -> ListenOptions.DEFAULT.withReceiveBufferSize(-1));
    }

    @Test
    void lingerIsOffByDefaultAndRoundTrips() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        assertEquals(-1, connection.getOption(StandardSocketOptions.SO_LINGER), "off: -1, as the JDK reports it");
        connection.setOption(StandardSocketOptions.SO_LINGER, 7);
        assertEquals(7, connection.getOption(StandardSocketOptions.SO_LINGER));
        connection.setOption(StandardSocketOptions.SO_LINGER, -1);
        assertEquals(-1, connection.getOption(StandardSocketOptions.SO_LINGER));
    }

    @Test
    void typeOfServiceRoundTripsOnIpv4() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        connection.setOption(StandardSocketOptions.IP_TOS, 0x10);
        assertEquals(0x10, connection.getOption(StandardSocketOptions.IP_TOS));
        assertEchoes(pair, "tos");
    }

    @Test
    void ipv6ConnectionTakesTrafficClassAndPrintsNoScope() throws Exception {
        IoRuntime runtime = open(1);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("::1"))) {
            CompletableFuture<Connection> connecting = runtime.connect(new InetSocketAddress("::1", server.getLocalPort()));
            try (Socket peer = server.accept()) {
                Connection connection = Await.get(connecting);
                connection.setOption(StandardSocketOptions.IP_TOS, 0x28); // IPV6_TCLASS underneath
                assertEquals(0x28, connection.getOption(StandardSocketOptions.IP_TOS));
                String local = connection.localAddress().toString();
                String remote = connection.remoteAddress().toString();
                assertFalse(local.contains("%") || remote.contains("%"), () -> "scope id printed: " + local + " " + remote);
                assertEquals("/[0:0:0:0:0:0:0:1]:" + server.getLocalPort(), remote);
                Await.get(connection.close());
            }
        }
    }

    @Test
    void optionsCanBeUsedFromTheLoopThreadItself() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        CompletableFuture<Boolean> fromLoop = CompletableFuture.supplyAsync(() -> {
            try {
                connection.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                return connection.getOption(StandardSocketOptions.SO_KEEPALIVE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, connection.executor());
        assertEquals(true, Await.get(fromLoop));
    }

    @Test
    void unsupportedOptionsAndBadValuesAreRefusedAndTheConnectionGoesOn() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        UnsupportedOperationException unsupported = assertThrows(UnsupportedOperationException.class,
                () -> connection.setOption(StandardSocketOptions.SO_REUSEADDR, true));
        assertTrue(unsupported.getMessage().contains("SO_REUSEADDR") && unsupported.getMessage().contains("TCP_NODELAY"),
                unsupported.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> connection.getOption(StandardSocketOptions.SO_BROADCAST));

        assertRefused(connection, StandardSocketOptions.SO_RCVBUF, -1, "positive");
        assertRefused(connection, StandardSocketOptions.SO_SNDBUF, 0, "positive");
        assertRefused(connection, StandardSocketOptions.IP_TOS, 256, "0 to 255");
        assertRefused(connection, StandardSocketOptions.SO_LINGER, 70_000, "65535");
        assertRefused(connection, StandardSocketOptions.TCP_NODELAY, null, "null");
        @SuppressWarnings({"unchecked", "rawtypes"})
        SocketOption<Object> untyped = (SocketOption) StandardSocketOptions.SO_KEEPALIVE;
        assertRefused(connection, untyped, "yes", "Boolean");

        assertEquals(true, connection.getOption(StandardSocketOptions.TCP_NODELAY), "a refused value changed nothing");
        assertEchoes(pair, "still serving");
    }

    @Test
    void aClosedConnectionRefusesOptions() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        Await.get(connection.close());
        ConnectionClosedException set = assertThrows(ConnectionClosedException.class,
                () -> connection.setOption(StandardSocketOptions.TCP_NODELAY, false));
        assertTrue(set.getMessage().contains("closed"), set.getMessage());
        assertThrows(ConnectionClosedException.class, () -> connection.getOption(StandardSocketOptions.SO_LINGER));
    }

    @Test
    void abortResetsThePeerAndFailsOperationsInFlight() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        Connection connection = pair.connection();
        CompletableFuture<IoBuffer> recv = connection.recv();
        CompletableFuture<Void> aborted = connection.abort();
        Await.get(aborted);
        assertSame(aborted, connection.close(), "abort and close share one future");
        assertSame(aborted, connection.abort(), "abort is idempotent");
        assertFalse(connection.isOpen());
        assertInstanceOf(ConnectionClosedException.class, Await.failure(recv));

        SocketException reset = assertThrows(SocketException.class, () -> pair.peer().in.read());
        assertEquals("Connection reset", reset.getMessage());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void abortWithUnsentDataDropsItAndResetsThePeer() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 16 * 1024));
        Connection connection = Await.get(accepted);
        try (Arena arena = Arena.ofShared()) {
            CompletableFuture<Void> bigSend = connection.send(arena.allocate(8L << 20, 4096));
            IoBuffer queued = connection.allocate().write("queued behind the big send");
            CompletableFuture<Void> queuedSend = connection.send(queued);
            Await.get(connection.abort());
            assertInstanceOf(ConnectionClosedException.class, Await.failure(bigSend));
            assertInstanceOf(ConnectionClosedException.class, Await.failure(queuedSend));
        }
        // What arrived before the reset may be read, but the stream ends in a reset, not a FIN.
        byte[] chunk = new byte[64 * 1024];
        SocketException reset = assertThrows(SocketException.class, () -> {
            while (peer.in.read(chunk) >= 0) {
                // drain what the kernel had delivered before the RST
            }
        });
        assertEquals("Connection reset", reset.getMessage());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closeStillEndsTheStreamOrderly() throws Exception {
        Pair pair = accepted(open(1));
        Await.get(pair.connection().close());
        assertEquals(-1, pair.peer().in.read(), "close() sends FIN: the peer reads end of stream, not a reset");
    }

    private static <T> void assertRefused(Connection connection, SocketOption<T> option, T value, String hint) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> connection.setOption(option, value),
                () -> option.name() + " = " + value + " was accepted");
        assertTrue(e.getMessage().contains(option.name()) && e.getMessage().contains(hint), e.getMessage());
    }

    private static void assertEchoes(Pair pair, String text) throws Exception {
        pair.peer().write(text);
        IoBuffer got = Await.get(pair.connection().recv());
        Await.get(pair.connection().send(got));
        assertArrayEquals(text.getBytes(), pair.peer().readExactly(text.length()));
    }

    /** Read by lines: Files.readString trusts the size /proc reports (0) and returns one byte. */
    private static int sysctl(String name) throws IOException {
        return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core", name)).getFirst().trim());
    }
}
