package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The peer resets the connection (SO_LINGER 0, then close: RST instead of FIN) while we
 * receive or send. Linux reports ECONNRESET to the first call after the RST and EPIPE after
 * that; a recv may instead see end of stream if the reset raced with nothing pending. Either
 * way the failure names the errno, and the loop goes on serving other connections.
 */
public abstract class ResetContract extends RuntimeTestBase {

    /** What a pending recv reports when the peer resets: NativeIoException(ECONNRESET) or END_OF_STREAM. */
    private static String assertResetOutcome(CompletableFuture<IoBuffer> recv) throws InterruptedException {
        try {
            IoBuffer buffer = recv.get(10, TimeUnit.SECONDS);
            if (buffer.isEndOfStream()) {
                return "END_OF_STREAM";
            }
            buffer.release();
            return fail("a recv on a reset connection returned data: " + buffer);
        } catch (ExecutionException e) {
            NativeIoException error = assertInstanceOf(NativeIoException.class, e.getCause(),
                    () -> "recv on a reset connection failed with " + e.getCause());
            assertEquals("ECONNRESET", error.errnoName(), error.getMessage());
            assertTrue(error.getMessage().contains("recv") && error.getMessage().contains("ECONNRESET"),
                    () -> "message should name the call and the errno: " + error.getMessage());
            return "ECONNRESET";
        } catch (java.util.concurrent.TimeoutException e) {
            return fail("a pending recv did not end within 10 s of the peer's reset");
        }
    }

    @Test
    void pendingRecvOnServerConnectionFailsWithConnectionReset() throws Exception {
        IoRuntime runtime = open(1);
        EchoService echo = EchoService.start(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = connectPeer(listener.localAddress());
        Connection connection = Await.get(accepted);
        CompletableFuture<IoBuffer> recv = connection.recv();
        Thread.sleep(50); // let the recv reach the kernel
        assertFalse(recv.isDone());
        peer.reset();
        String outcome = assertResetOutcome(recv);
        // Linux with a recv waiting in the kernel: the RST sets sk_err, which the recv returns.
        assertEquals("ECONNRESET", outcome, "pending recv on reset");
        Await.get(connection.close());

        assertLoopStillServes(echo);
    }

    /**
     * A careless but common call: log the peer's address of a connection the peer already reset.
     * getpeername refuses a reset socket (ENOTCONN); the runtime answers from SO_PEERNAME, as
     * accept(2) would have, instead of throwing into an acceptor loop.
     */
    @Test
    void aResetConnectionStillTellsItsPeersAddress() throws Exception {
        IoRuntime runtime = open(1);
        EchoService echo = EchoService.start(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        for (boolean v6 : new boolean[] {false, true}) {
            Listener target = v6 ? runtime.listen(new java.net.InetSocketAddress("::1", 0)) : listener;
            CompletableFuture<Connection> accepted = target.accept();
            PeerSocket peer = PeerSocket.connect(target.localAddress());
            int peerPort = peer.socket.getLocalPort();
            java.net.InetAddress peerAddress = peer.socket.getLocalAddress(); // wildcard once closed
            Connection connection = Await.get(accepted);
            peer.reset();
            assertResetOutcome(connection.recv()); // the reset has arrived: getpeername says ENOTCONN now
            java.net.InetSocketAddress remote = (java.net.InetSocketAddress) connection.remoteAddress();
            assertEquals(peerPort, remote.getPort(), "the peer's port, from before the reset");
            assertEquals(peerAddress, remote.getAddress());
            Await.get(connection.close());
            if (v6) {
                Await.get(target.close());
            }
        }
        assertLoopStillServes(echo);
    }

    @Test
    void pendingRecvOnClientConnectionFailsWithConnectionReset() throws Exception {
        IoRuntime runtime = open(1);
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<Connection> connected = runtime.connect(
                    new java.net.InetSocketAddress("127.0.0.1", server.getLocalPort()));
            Socket accepted = server.accept();
            Connection connection = Await.get(connected);
            CompletableFuture<IoBuffer> recv = connection.recv(Duration.ofSeconds(20));
            Thread.sleep(50);
            PeerSocket.wrap(accepted).reset();
            assertEquals("ECONNRESET", assertResetOutcome(recv));
            // After the reset has been reported, the connection stays dead: end of stream or an error.
            CompletableFuture<IoBuffer> again = connection.recv(Duration.ofSeconds(5));
            try {
                IoBuffer buffer = again.get(10, TimeUnit.SECONDS);
                assertTrue(buffer.isEndOfStream(), "recv after reset returned data");
            } catch (ExecutionException e) {
                assertInstanceOf(NativeIoException.class, e.getCause());
            }
            Await.get(connection.close());
        }
    }

    @Test
    void sendToResetPeerFailsWithBrokenPipeOrReset() throws Exception {
        IoRuntime runtime = open(1);
        EchoService echo = EchoService.start(runtime);
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = connectPeer(listener.localAddress(), 16 * 1024);
        Connection connection = Await.get(accepted);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment big = arena.allocate(32L << 20, 4096); // far more than the kernel buffers
            CompletableFuture<Void> sending = connection.send(big);
            Thread.sleep(200);
            assertFalse(sending.isDone(), "a 32 MiB send to a peer that does not read cannot be done");
            peer.reset();
            NativeIoException error = Await.failure(sending, NativeIoException.class);
            assertTrue(Set.of("EPIPE", "ECONNRESET").contains(error.errnoName()), error.getMessage());
            assertTrue(error.getMessage().contains("send") && error.getMessage().contains(error.errnoName()),
                    () -> "message should name the call and the errno: " + error.getMessage());
        }
        // Later sends keep failing (EPIPE), and take their buffers back.
        IoBuffer buffer = connection.allocate().write("after reset");
        NativeIoException later = Await.failure(connection.send(buffer), NativeIoException.class);
        assertTrue(Set.of("EPIPE", "ECONNRESET").contains(later.errnoName()), later.getMessage());
        assertTrue(buffer.isReleased(), "a failed send still releases its buffer");
        Await.get(connection.close());
        assertBuffersBackTo(runtime, baseline);

        assertLoopStillServes(echo);
    }

    @Test
    void resetsDuringEchoDoNotDisturbOtherConnections() throws Exception {
        IoRuntime runtime = open(1);
        EchoService echo = EchoService.start(runtime);
        int baseline = idleBaseline(runtime);
        try (PeerSocket steady = PeerSocket.connect(echo.address())) {
            for (int i = 0; i < 20; i++) {
                PeerSocket doomed = PeerSocket.connect(echo.address());
                doomed.write(Payloads.random(i, 1000 + i * 500));
                if (i % 2 == 0) {
                    doomed.readExactly(100); // mid-echo: part of it read, the rest in flight
                }
                doomed.reset();
                byte[] payload = Payloads.random(100 + i, 20_000);
                assertArrayEquals(payload, steady.echo(payload), "steady connection, round " + i);
            }
        }
        Await.until(() -> echo.open.get() == 0, 10_000, () -> echo.open.get() + " server connections still open");
        assertEquals(21, echo.accepted.get());
        for (Throwable error : echo.errors) {
            NativeIoException nio = assertInstanceOf(NativeIoException.class, error, () -> "echo error " + error);
            assertTrue(Set.of("EPIPE", "ECONNRESET").contains(nio.errnoName()), nio.getMessage());
        }
        assertBuffersBackTo(runtime, baseline);
    }

    private static void assertLoopStillServes(EchoService echo) throws Exception {
        try (PeerSocket other = PeerSocket.connect(echo.address())) {
            byte[] payload = Payloads.random(99, 100_000);
            assertArrayEquals(payload, other.echo(payload), "the loop serves other connections after a reset");
        }
    }
}
