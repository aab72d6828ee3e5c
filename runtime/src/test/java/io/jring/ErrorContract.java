package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Failures name the system call and the errno, and say what to do. */
public abstract class ErrorContract extends RuntimeTestBase {

    @Test
    void connectToAClosedPortNamesConnectAndConnectionRefused() throws Exception {
        IoRuntime runtime = open(1);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free again once closed: nothing listens there
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        NativeIoException error = Await.failure(runtime.connect(address), NativeIoException.class);
        String message = error.getMessage();
        assertTrue(message.contains("connect"), message);
        assertTrue(message.contains("ECONNREFUSED"), message);
        assertTrue(message.contains("127.0.0.1:" + port), () -> "message should name the address: " + message);
        assertEquals("ECONNREFUSED", error.errnoName());
        assertEquals(111, error.errno());
        assertTrue(error.syscall().startsWith("connect"), error.syscall());

        // The runtime is unharmed: the next connect (with a deadline) works.
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Connection connection = Await.get(runtime.connect(
                    new InetSocketAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(10)));
            Await.get(connection.close());
        }
    }

    @Test
    void listeningTwiceOnOnePortNamesBindAndAddressInUse() throws Exception {
        IoRuntime runtime = open(2);
        ListenOptions exclusive = ListenOptions.DEFAULT.withReusePort(false);
        Listener first = runtime.listen(LOOPBACK_ANY_PORT, exclusive);
        NativeIoException error = assertThrows(NativeIoException.class,
                () -> runtime.listen(first.localAddress(), exclusive));
        String message = error.getMessage();
        assertTrue(message.contains("bind"), message);
        assertTrue(message.contains("EADDRINUSE"), message);
        assertEquals("EADDRINUSE", error.errnoName());
        assertTrue(error.syscall().startsWith("bind"), error.syscall());

        // The failed listen left nothing behind, and the first listener still works.
        java.util.concurrent.CompletableFuture<Connection> accept = first.accept();
        try (PeerSocket peer = PeerSocket.connect(first.localAddress())) {
            Await.get(Await.get(accept).close());
        }
        Await.get(first.close());
        // Once closed, the port can be listened on again.
        Listener again = runtime.listen(first.localAddress(), exclusive);
        assertEquals(first.localAddress(), again.localAddress());
        Await.get(again.close());
    }

    @Test
    void reusePortListenersShareOnePortAcrossLoops() throws Exception {
        IoRuntime runtime = open(2);
        EchoService echo = EchoService.start(runtime); // one socket per loop, same port
        assertTrue(echo.address().getPort() > 0);
        for (int i = 0; i < 16; i++) {
            try (PeerSocket peer = PeerSocket.connect(echo.address())) {
                peer.write("p" + i);
                assertEquals("p" + i, peer.readString(("p" + i).length()));
            }
        }
        assertEquals(16, echo.accepted.get());
    }

    @Test
    void invalidArgumentsAreRejectedUpFront() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        java.util.concurrent.CompletableFuture<Connection> accept = listener.accept();
        try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
            Connection connection = Await.get(accept);
            assertThrows(IllegalArgumentException.class, () -> connection.recv(Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> connection.recv(Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> listener.accept(Duration.ZERO));
            IoBuffer full = connection.allocate();
            full.writerIndex(full.capacity());
            assertThrows(IllegalArgumentException.class, () -> connection.recv(full), "recv into a full buffer");
            full.release();
            assertThrows(IllegalArgumentException.class, () -> ListenOptions.DEFAULT.withBacklog(0));
            assertThrows(IllegalArgumentException.class, () -> IoRuntimeOptions.defaults().withThreads(0));
            Await.get(connection.close());
        }
    }
}
