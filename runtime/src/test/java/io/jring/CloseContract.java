package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Closing with operations in flight: closing a connection, a listener or the whole runtime ends
 * every pending operation (ConnectionClosedException, or a result that had already arrived),
 * in bounded time, with every buffer returned; nothing returned afterwards hangs.
 */
public abstract class CloseContract extends RuntimeTestBase {

    /** The future is done, and if it failed, it failed because of a local close. */
    private static void assertClosedOrCompleted(CompletableFuture<?> future, String what) {
        try {
            Object value = future.get(10, TimeUnit.SECONDS);
            if (value instanceof IoBuffer buffer) {
                buffer.release();
            } else if (value instanceof Connection connection) {
                connection.close();
            }
        } catch (ExecutionException e) {
            assertInstanceOf(ConnectionClosedException.class, e.getCause(), () -> what + " failed with " + e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            throw new AssertionError(what + " was cancelled instead of failing with ConnectionClosedException", e);
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            throw new AssertionError(what + " not done 10 s after close", e);
        }
    }

    @Test
    void connectionCloseFailsPendingOperations() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 16 * 1024));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);
        try (Arena arena = Arena.ofShared()) {
            CompletableFuture<IoBuffer> recv = connection.recv();
            CompletableFuture<IoBuffer> queuedRecv = connection.recv();
            CompletableFuture<Void> bigSend = connection.send(arena.allocate(32L << 20, 4096));
            IoBuffer queuedBuffer = connection.allocate().write("queued");
            CompletableFuture<Void> queuedSend = connection.send(queuedBuffer);
            Thread.sleep(200);
            assertFalse(recv.isDone() || queuedRecv.isDone() || bigSend.isDone() || queuedSend.isDone(),
                    "nothing can complete yet");

            CompletableFuture<Void> closed = connection.close();
            Await.get(closed);
            assertFalse(connection.isOpen());
            for (CompletableFuture<?> op : List.of(recv, queuedRecv, bigSend, queuedSend)) {
                assertInstanceOf(ConnectionClosedException.class, Await.failure(op));
            }
            assertTrue(queuedBuffer.isReleased(), "an abandoned send releases its buffer");
        }
        // Calls after close fail at once, and close stays idempotent.
        assertInstanceOf(ConnectionClosedException.class, Await.failure(connection.recv(), Duration.ofSeconds(5)));
        IoBuffer late = connection.allocate().write("late");
        assertInstanceOf(ConnectionClosedException.class, Await.failure(connection.send(late), Duration.ofSeconds(5)));
        assertTrue(late.isReleased());
        assertInstanceOf(ConnectionClosedException.class, Await.failure(connection.shutdownOutput(), Duration.ofSeconds(5)));
        Await.get(connection.close(), Duration.ofSeconds(5));
        assertBuffersBackTo(runtime, baseline);

        // The peer sees the connection end (the partial 32 MiB, then FIN or RST).
        peer.socket.setSoTimeout(10_000);
        try {
            byte[] buffer = new byte[65536];
            while (peer.in.read(buffer) >= 0) {
                // drain
            }
        } catch (java.net.SocketException reset) {
            // RST is fine too: we closed with unsent data
        }
    }

    @Test
    void closeFromTheLoopThreadInsideACallback() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connect(listener.localAddress()));
        Connection connection = Await.get(accepted);
        CompletableFuture<IoBuffer> queued = new CompletableFuture<>();
        CompletableFuture<Void> closed = connection.recv().thenCompose(buffer -> {
            buffer.release();
            queued.complete(null);
            CompletableFuture<IoBuffer> next = connection.recv(); // pending when we close, on the loop thread
            CompletableFuture<Void> close = connection.close();
            return next.handle((b, e) -> {
                assertInstanceOf(ConnectionClosedException.class, e);
                return null;
            }).thenCompose(ignored -> close);
        });
        peer.write("go");
        Await.get(closed);
        assertEquals(-1, peer.in.read());
    }

    @Test
    void listenerCloseFailsPendingAcceptsAndRefusesNewClients() throws Exception {
        IoRuntime runtime = open(2);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        List<CompletableFuture<Connection>> accepts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            accepts.add(listener.accept());
        }
        Thread.sleep(50);
        Await.get(listener.close());
        for (CompletableFuture<Connection> accept : accepts) {
            assertInstanceOf(ConnectionClosedException.class, Await.failure(accept));
        }
        assertInstanceOf(ConnectionClosedException.class, Await.failure(listener.accept(), Duration.ofSeconds(5)));
        NativeIoException refused = Await.failure(runtime.connect(listener.localAddress()), NativeIoException.class);
        assertEquals("ECONNREFUSED", refused.errnoName(), refused.getMessage());
        Await.get(listener.close(), Duration.ofSeconds(5)); // idempotent
    }

    @Test
    void onAcceptStopsWhenTheListenerCloses() throws Exception {
        IoRuntime runtime = open(2);
        EchoService echo = EchoService.start(runtime);
        try (PeerSocket peer = PeerSocket.connect(echo.address())) {
            peer.write("a");
            assertEquals("a", peer.readString(1));
        }
        Await.get(echo.listener.close());
        assertThrows(java.net.ConnectException.class, () -> PeerSocket.connect(echo.address()).close());
    }

    @Test
    void runtimeCloseWithOperationsInFlight() throws Exception {
        IoRuntime server = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(backend()));
        IoRuntime client = open(1);
        List<CompletableFuture<?>> everything = new ArrayList<>();
        List<Connection> serverConnections = new ArrayList<>();
        Listener listener = server.listen(LOOPBACK_ANY_PORT);
        Listener idle = server.listen(LOOPBACK_ANY_PORT);
        List<PeerSocket> peers = new ArrayList<>();
        Arena arena = Arena.ofShared();
        try {
            for (int i = 0; i < 8; i++) {
                CompletableFuture<Connection> accept = listener.accept();
                everything.add(accept);
                if (i % 2 == 0) {
                    peers.add(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 16 * 1024));
                } else {
                    everything.add(client.connect(listener.localAddress()));
                }
                serverConnections.add(Await.get(accept));
            }
            for (int i = 0; i < 4; i++) {
                everything.add(idle.accept()); // pending accepts
            }
            for (Connection connection : serverConnections) {
                everything.add(connection.recv()); // pending
                everything.add(connection.recv()); // queued
                everything.add(connection.recv(Duration.ofMinutes(5))); // queued, with a deadline
            }
            // Big sends that cannot finish (the peers do not read), plus pooled sends queued behind them.
            for (int i = 0; i < 2; i++) {
                everything.add(serverConnections.get(i).send(arena.allocate(32L << 20, 4096)));
                everything.add(serverConnections.get(i).send(serverConnections.get(i).allocate().write("q")));
            }
            everything.add(serverConnections.get(2).shutdownOutput());
            Thread.sleep(300);

            long start = System.nanoTime();
            server.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 20_000, "runtime.close() took " + millis + " ms");
            assertLoopThreadsGone(server);
            assertEquals(0, server.buffersInUse(), "every buffer is back once the runtime is closed");

            for (int i = 0; i < everything.size(); i++) {
                CompletableFuture<?> future = everything.get(i);
                assertTrue(future.isDone(), "future " + i + " not done after runtime.close(): " + future);
                assertClosedOrCompleted(future, "future " + i);
            }
            for (Connection connection : serverConnections) {
                assertFalse(connection.isOpen());
            }

            // Everything asked of a closed runtime ends at once instead of hanging.
            Connection dead = serverConnections.get(0);
            assertInstanceOf(ConnectionClosedException.class, Await.failure(dead.recv(), Duration.ofSeconds(5)));
            assertInstanceOf(ConnectionClosedException.class,
                    Await.failure(dead.send(new byte[] {1}), Duration.ofSeconds(5)));
            assertInstanceOf(ConnectionClosedException.class, Await.failure(dead.shutdownOutput(), Duration.ofSeconds(5)));
            Await.get(dead.close(), Duration.ofSeconds(5));
            assertInstanceOf(ConnectionClosedException.class, Await.failure(listener.accept(), Duration.ofSeconds(5)));
            Await.get(listener.close(), Duration.ofSeconds(5));
            assertInstanceOf(ConnectionClosedException.class,
                    Await.failure(server.connect(listener.localAddress()), Duration.ofSeconds(5)));
            assertThrows(ConnectionClosedException.class, () -> server.listen(LOOPBACK_ANY_PORT));
            server.close(); // idempotent
        } finally {
            server.close();
            for (PeerSocket peer : peers) {
                peer.close();
            }
            arena.close();
        }
    }

    @Test
    void runtimeCloseReleasesEveryDescriptor() throws Exception {
        long before = openDescriptors();
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(backend()));
        try {
            EchoService echo = EchoService.start(runtime);
            List<Connection> clients = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Connection connection = Await.get(runtime.connect(echo.address()));
                Await.get(connection.send(new byte[] {(byte) i}));
                assertEquals(i, Await.get(ApiIo.readExactly(connection, 1))[0]);
                clients.add(connection);
            }
            clients.get(0).recv(); // left pending
            assertTrue(openDescriptors() >= before + 40, "20 connections hold 40 descriptors");
        } finally {
            runtime.close();
        }
        Await.until(() -> openDescriptors() <= before, 10_000,
                () -> "descriptors after close: " + openDescriptors() + ", before open: " + before);
    }

    /**
     * runtime.close() called from a loop thread (a callback deciding to stop the server) cannot
     * wait for that loop to end, since it is running on it: it must return promptly, and the
     * loops must still stop once the callback returns.
     */
    @Test
    void runtimeCloseFromALoopThreadDoesNotStall() throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(backend()));
        try {
            Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
            CompletableFuture<Connection> accepted = listener.accept();
            try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
                Connection connection = Await.get(accepted);
                CompletableFuture<IoBuffer> pending = connection.recv();
                long start = System.nanoTime();
                CompletableFuture<Void> closedOnLoop = CompletableFuture.runAsync(runtime::close, connection.executor());
                Await.get(closedOnLoop, Duration.ofSeconds(20));
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(millis < 5_000, "runtime.close() on a loop thread took " + millis + " ms");
                assertInstanceOf(ConnectionClosedException.class, Await.failure(pending));
                Await.until(() -> runtime.threadsForTesting().stream().noneMatch(Thread::isAlive), 10_000,
                        () -> "loop threads still alive after close() from a loop thread");
                assertEquals(0, runtime.buffersInUse());
            }
        } finally {
            runtime.close();
        }
    }

    private static long openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
