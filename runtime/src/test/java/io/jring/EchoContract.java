package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Echo integrity: every byte sent comes back, in order, over 1, 64 and 1,000 concurrent
 * connections, with payloads from 1 byte to 1 MiB (16 KiB at 1,000 connections). The server is
 * {@link EchoService} on the runtime; the clients are plain sockets in some tests and the
 * runtime's own connect/send/recv in others.
 */
public abstract class EchoContract extends RuntimeTestBase {
    private static final int MIB = 1 << 20;

    private static int maxPayload(int connections) {
        return connections >= 1000 ? 16 * 1024 : MIB;
    }

    private static int roundTrips(int connections) {
        return connections == 1 ? 12 : connections <= 64 ? 3 : 2;
    }

    /** Sizes of one connection's round trips: random, plus the edges (1 byte, a block +-1, the max). */
    private static int[] sizes(int connection, int connections) {
        SplittableRandom random = new SplittableRandom(1000L * connections + connection);
        int max = maxPayload(connections);
        int[] sizes = new int[roundTrips(connections)];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Payloads.size(random, 1, max);
        }
        if (connection == 0) {
            sizes[0] = 1;
            sizes[sizes.length - 1] = max;
        }
        if (connections == 1) {
            int[] edges = {1, 2, 16383, 16384, 16385, 65537, MIB};
            System.arraycopy(edges, 0, sizes, 0, edges.length);
        }
        return sizes;
    }

    @ParameterizedTest(name = "{0} socket clients")
    @ValueSource(ints = {1, 64, 1000})
    void echoesEveryByteToSocketClients(int connections) throws Exception {
        IoRuntime runtime = open(2);
        EchoService echo = EchoService.start(runtime);
        int baseline = idleBaseline(runtime);
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        long bytes;
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> results = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int connection = c;
                results.add(clients.submit(() -> socketClient(echo.address(), connection, connections, failures)));
            }
            bytes = 0;
            for (Future<Long> result : results) {
                bytes += Await.get(result, Duration.ofSeconds(50));
            }
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " connections broke, e.g. " + failures.peek());
        assertTrue(bytes > 0);
        Await.until(() -> echo.open.get() == 0, 10_000, () -> echo.open.get() + " server connections still open");
        assertEquals(connections, echo.accepted.get(), "connections accepted");
        assertTrue(echo.errors.isEmpty(), () -> "server errors: " + echo.errors);
        assertBuffersBackTo(runtime, baseline);
    }

    private static long socketClient(InetSocketAddress address, int connection, int connections, Queue<String> failures)
            throws Exception {
        long bytes = 0;
        try (PeerSocket peer = PeerSocket.connect(address)) {
            int[] sizes = sizes(connection, connections);
            for (int i = 0; i < sizes.length; i++) {
                byte[] payload = Payloads.random(connection * 100L + i, sizes[i]);
                String difference = Payloads.difference(payload, peer.echo(payload));
                if (difference != null) {
                    failures.add("connection " + connection + " round trip " + i + " (" + sizes[i] + " bytes): " + difference);
                    return bytes;
                }
                bytes += sizes[i];
            }
            peer.socket.shutdownOutput();
            int eof = peer.in.read();
            if (eof != -1) {
                failures.add("connection " + connection + ": expected end of stream after shutdownOutput, read " + eof);
            }
        }
        return bytes;
    }

    @ParameterizedTest(name = "{0} API clients")
    @ValueSource(ints = {1, 64, 1000})
    void echoesEveryByteToApiClients(int connections) throws Exception {
        IoRuntime server = open(1);
        IoRuntime client = open(1);
        EchoService echo = EchoService.start(server);
        int serverBaseline = idleBaseline(server);
        int clientBaseline = idleBaseline(client);

        List<CompletableFuture<Connection>> connects = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            connects.add(client.connect(echo.address(), Duration.ofSeconds(20)));
        }
        List<CompletableFuture<Void>> exchanges = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Connection connection = Await.get(connects.get(c));
            exchanges.add(apiClient(connection, sizes(c, connections), c));
        }
        for (CompletableFuture<Void> exchange : exchanges) {
            Await.get(exchange, Duration.ofSeconds(50));
        }
        Await.until(() -> echo.open.get() == 0, 10_000, () -> echo.open.get() + " server connections still open");
        assertEquals(connections, echo.accepted.get());
        assertTrue(echo.errors.isEmpty(), () -> "server errors: " + echo.errors);
        assertBuffersBackTo(server, serverBaseline);
        assertBuffersBackTo(client, clientBaseline);
    }

    /** Round trips one after the other, each sending while the echo is being received; then FIN and EOF. */
    private static CompletableFuture<Void> apiClient(Connection connection, int[] sizes, int index) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < sizes.length; i++) {
            byte[] payload = Payloads.random(index * 100L + i, sizes[i]);
            int trip = i;
            chain = chain.thenCompose(ignored -> {
                CompletableFuture<Void> sent = connection.send(payload);
                return ApiIo.readExactly(connection, payload.length).thenCombine(sent, (echoed, ok) -> {
                    assertNull(Payloads.difference(payload, echoed),
                            () -> "connection " + index + " round trip " + trip + ": " + Payloads.difference(payload, echoed));
                    return null;
                });
            });
        }
        return chain.thenCompose(ignored -> connection.shutdownOutput())
                .thenCompose(ignored -> connection.recv(Duration.ofSeconds(20)))
                .thenCompose(last -> {
                    assertTrue(last.isEndOfStream(), () -> "expected end of stream, got " + last);
                    return connection.close();
                });
    }

    @Test
    void apiClientAndServerOnOneRuntime() throws Exception {
        IoRuntime runtime = open(2);
        EchoService echo = EchoService.start(runtime);
        int baseline = idleBaseline(runtime);
        List<CompletableFuture<Void>> exchanges = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            Connection connection = Await.get(runtime.connect(echo.address()));
            exchanges.add(apiClient(connection, sizes(c, 64), c));
        }
        exchanges.forEach(Await::get);
        Await.until(() -> echo.open.get() == 0, 10_000, () -> echo.open.get() + " server connections still open");
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void pooledBuffersAndGatheredSendsArriveInOrder() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        try (PeerSocket peer = connectPeer(listener.localAddress())) {
            Connection connection = Await.get(accepted);
            int baseline = idleBaseline(runtime);
            byte[] all = Payloads.random(7, 3 * 16384 + 100);
            IoBuffer a = connection.allocate().write(all, 0, 16384);
            IoBuffer b = connection.allocate().write(all, 16384, 16384);
            IoBuffer c = connection.allocate().write(all, 32768, 16384);
            IoBuffer d = connection.allocate().write(all, 49152, 100);
            assertEquals(16384, a.readableBytes());
            CompletableFuture<Void> gathered = connection.sendv(a, b, c);
            CompletableFuture<Void> single = connection.send(d);
            assertArrayEquals(all, peer.readExactly(all.length));
            Await.get(gathered);
            Await.get(single);
            assertTrue(a.isReleased() && b.isReleased() && c.isReleased() && d.isReleased(),
                    "send and sendv release the buffers they took");

            // recv(into): the runtime fills the caller's buffer after its writer index
            IoBuffer into = connection.allocate().write(new byte[] {9, 9});
            peer.write(new byte[] {1, 2, 3});
            int got = Await.get(connection.recv(into));
            assertTrue(got >= 1 && got <= 3, "recv(into) count " + got);
            while (into.readableBytes() < 5) {
                Await.get(connection.recv(into));
            }
            assertArrayEquals(new byte[] {9, 9, 1, 2, 3}, into.toByteArray());
            peer.socket.shutdownOutput();
            assertEquals(-1, Await.get(connection.recv(into)), "recv(into) reports end of stream as -1");
            into.release();
            Await.get(connection.close());
            assertBuffersBackTo(runtime, baseline);
        }
    }

    /**
     * The documented read loop with one buffer: recv(into) again from the completion of the
     * previous recv(into). The buffer must be the caller's again when the future completes.
     */
    @Test
    void recvIntoChainedFromItsOwnCompletionReusesTheBuffer() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress()));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);
        IoBuffer into = connection.allocate();
        byte[] payload = Payloads.random(11, 12_000);
        CompletableFuture<Void> done = new CompletableFuture<>();
        readInto(connection, into, payload.length, done);
        for (int at = 0; at < payload.length; at += 1000) {
            peer.write(java.util.Arrays.copyOfRange(payload, at, at + 1000));
            Thread.sleep(2); // several recvs, each chained from the last one's completion
        }
        Await.get(done);
        assertArrayEquals(payload, into.toByteArray());
        into.release();
        assertBuffersBackTo(runtime, baseline);
    }

    private static void readInto(Connection connection, IoBuffer into, int total, CompletableFuture<Void> done) {
        connection.recv(into, Duration.ofSeconds(20)).whenComplete((count, error) -> {
            try {
                if (error != null) {
                    done.completeExceptionally(error);
                } else if (count < 0) {
                    done.completeExceptionally(new java.io.EOFException("after " + into.readableBytes()));
                } else if (into.readableBytes() == total) {
                    done.complete(null);
                } else {
                    readInto(connection, into, total, done);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
    }

    /** When a send's future completes, its buffer is already back: the callback sees it released. */
    @Test
    void sendReleasesItsBufferBeforeItsFutureCompletes() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress()));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);
        for (int i = 0; i < 20; i++) {
            IoBuffer buffer = connection.allocate().write("m" + i);
            CompletableFuture<Integer> inUseAtCompletion = connection.send(buffer)
                    .thenApply(ok -> buffer.isReleased() ? runtime.buffersInUse() : -1);
            int inUse = Await.get(inUseAtCompletion);
            assertTrue(inUse >= 0, "send " + i + " completed before releasing its buffer");
            assertEquals(baseline, inUse, "buffers in use when send " + i + " completed");
            assertEquals("m" + i, peer.readString(("m" + i).length()));
        }
    }
}
