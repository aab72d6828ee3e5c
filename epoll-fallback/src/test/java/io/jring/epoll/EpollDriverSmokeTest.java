package io.jring.epoll;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.ListenOptions;
import io.jring.Listener;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The epoll driver end to end: an echo server on it, fed by plain sockets and by the runtime itself. */
@Timeout(value = 60, unit = SECONDS)
class EpollDriverSmokeTest {
    private IoRuntime runtime;
    private Listener listener;
    private InetSocketAddress address;
    /** Blocking socket clients need threads of their own (the common pool may have just one). */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void open() throws IOException {
        runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(Backend.EPOLL));
        assertEquals(Backend.EPOLL, runtime.backend());
        assertTrue(runtime.describeLoops().get(0).contains("epoll"), runtime.describeLoops().toString());
        listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.onAccept(EpollDriverSmokeTest::echo);
        address = (InetSocketAddress) listener.localAddress();
    }

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        if (runtime != null) {
            runtime.close();
        }
    }

    /** Like the echo example: receive, send the same buffer back, repeat until end of stream. */
    static void echo(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                connection.close();
                return;
            }
            connection.send(buffer).whenComplete((ok, sendError) -> {
                if (sendError != null) {
                    connection.close();
                } else {
                    echo(connection);
                }
            });
        });
    }

    @Test
    void echoesEveryByteToPlainSockets() throws Exception {
        int[] sizes = {1, 100, 5000, 100_000, 1 << 20};
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            byte[] payload = randomBytes(sizes[i], i);
            clients.add(CompletableFuture.runAsync(() -> socketRoundTrip(payload), threads));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(30, SECONDS);
        closeAndCheckBuffers();
    }

    @Test
    void runtimeClientSendsReceivesTimesOutAndCancels() throws Exception {
        Connection client = runtime.connect(address, Duration.ofSeconds(5)).get(10, SECONDS);

        byte[] hello = "hello, epoll".getBytes(UTF_8);
        client.send(hello).get(10, SECONDS);
        assertArrayEquals(hello, receive(client, hello.length));

        // Nothing was sent, so nothing comes back: the deadline must end the recv.
        long started = System.nanoTime();
        ExecutionException timedOut = assertThrows(ExecutionException.class,
                () -> client.recv(Duration.ofMillis(200)).get(10, SECONDS));
        assertInstanceOf(TimeoutException.class, timedOut.getCause());
        assertTrue(System.nanoTime() - started >= 190_000_000L, "recv timed out early");

        // A cancelled recv leaves the connection usable and takes none of the next bytes.
        CompletableFuture<IoBuffer> pending = client.recv();
        assertTrue(pending.cancel(true));
        assertThrows(CancellationException.class, () -> pending.get(10, SECONDS));
        byte[] again = "after cancel".getBytes(UTF_8);
        client.send(again).get(10, SECONDS);
        assertArrayEquals(again, receive(client, again.length));

        // Big enough to fill the socket buffers: the send parks on EPOLLOUT while we read.
        byte[] big = randomBytes(4 << 20, 7);
        CompletableFuture<Void> sent = client.send(big);
        assertArrayEquals(big, receive(client, big.length));
        sent.get(10, SECONDS);

        client.close().get(10, SECONDS);
        closeAndCheckBuffers();
    }

    @Test
    void reusedDescriptorNumbersKeepWorking() throws Exception {
        // Each round closes both ends, so the next connections get the same fd numbers back.
        for (int i = 0; i < 200; i++) {
            Connection client = runtime.connect(address).get(10, SECONDS);
            byte[] message = ("round " + i).getBytes(UTF_8);
            client.send(message).get(10, SECONDS);
            assertArrayEquals(message, receive(client, message.length));
            client.close().get(10, SECONDS);
        }
        closeAndCheckBuffers();
    }

    @Test
    void numbersClosedAndReusedOnOneLoopAreRegisteredAfresh() throws Exception {
        // One loop, so the client's and the server's sockets share one epoll set, which keeps a
        // descriptor registered until the runtime announces its close. Each round the next
        // connect is made from the close's own completion on the loop thread, so it gets the
        // number just closed (and the server's accept gets its old number too). Every recv is
        // parked before its bytes are sent, so a new socket taken for the old, still
        // "registered" one would never be woken. Odd rounds close with a recv still parked.
        try (IoRuntime single = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.EPOLL))) {
            Listener server = single.listen(new InetSocketAddress("127.0.0.1", 0));
            server.onAccept(EpollDriverSmokeTest::echo);
            InetSocketAddress at = (InetSocketAddress) server.localAddress();
            Connection client = single.connect(at).get(10, SECONDS);
            int reused = 0;
            int rounds = 300;
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < 3; i++) {
                    byte[] message = ("round " + round + " message " + i).getBytes(UTF_8);
                    CompletableFuture<IoBuffer> parked = client.recv();
                    client.send(message).get(10, SECONDS);
                    assertArrayEquals(message, receive(client, parked, message.length));
                }
                CompletableFuture<IoBuffer> left = round % 2 == 1 ? client.recv() : null;
                String number = fdOf(client);
                client = client.close().thenCompose(closed -> single.connect(at)).get(10, SECONDS);
                if (number.equals(fdOf(client))) {
                    reused++;
                }
                if (left != null) {
                    ExecutionException closed = assertThrows(ExecutionException.class, () -> left.get(10, SECONDS));
                    assertInstanceOf(ConnectionClosedException.class, closed.getCause());
                }
            }
            assertTrue(reused > rounds / 2, "numbers reused in only " + reused + " of " + rounds + " rounds");
            client.close().get(10, SECONDS);
            server.close().get(10, SECONDS);
            awaitNoBuffersInUse(single);
        }
    }

    /** The descriptor number, from {@code Connection[fd=N, loop=L]}. */
    private static String fdOf(Connection connection) {
        String text = connection.toString();
        return text.substring(text.indexOf("fd=") + 3, text.indexOf(','));
    }

    @Test
    void refusedConnectThenRetryFromItsCallback() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", closedPort);
        for (int i = 0; i < 20; i++) {
            // The failed connect closes its socket inside its completion, and the retry's socket
            // usually gets the same number: its registration must be made afresh.
            CompletableFuture<Throwable> refusal = new CompletableFuture<>();
            Connection client = runtime.connect(nobody).handle((c, error) -> {
                refusal.complete(error);
                return runtime.connect(address);
            }).thenCompose(f -> f).get(10, SECONDS);
            Throwable error = refusal.get(10, SECONDS);
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            NativeIoException refused = assertInstanceOf(NativeIoException.class, cause);
            assertEquals(Errno.ECONNREFUSED, refused.errno());
            byte[] message = "retried".getBytes(UTF_8);
            client.send(message).get(10, SECONDS);
            assertArrayEquals(message, receive(client, message.length));
            client.close().get(10, SECONDS);
        }
        closeAndCheckBuffers();
    }

    @Test
    void acceptWithDeadlineTimesOut() throws Exception {
        // One socket shared by both loops. The first accept runs on loop 0 and times out, the
        // second runs on loop 1, which must get the connection: loop 0, with no accept left,
        // must not keep a registration that takes the wakeup for itself.
        Listener idle = runtime.listen(new InetSocketAddress("127.0.0.1", 0), ListenOptions.DEFAULT.withReusePort(false));
        ExecutionException timedOut = assertThrows(ExecutionException.class,
                () -> idle.accept(Duration.ofMillis(100)).get(10, SECONDS));
        assertInstanceOf(TimeoutException.class, timedOut.getCause());
        CompletableFuture<Connection> accepted = idle.accept(Duration.ofSeconds(10));
        try (Socket socket = new Socket(((InetSocketAddress) idle.localAddress()).getAddress(), ((InetSocketAddress) idle.localAddress()).getPort())) {
            Connection connection = accepted.get(10, SECONDS);
            assertEquals(socket.getLocalPort(), ((InetSocketAddress) connection.remoteAddress()).getPort());
            connection.close().get(10, SECONDS);
        }
        idle.close().get(10, SECONDS);
    }

    @Test
    void burstOfConnectionsIsServedAcrossTurns() throws Exception {
        // One loop, whose first connection's handler holds it while 150 more queue up: the
        // accept stream then finds them all at once, more than one turn's budget.
        CountDownLatch holding = new CountDownLatch(1);
        AtomicInteger accepted = new AtomicInteger();
        List<Socket> sockets = new ArrayList<>();
        try (IoRuntime single = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.EPOLL))) {
            Listener burst = single.listen(new InetSocketAddress("127.0.0.1", 0));
            burst.onAccept(connection -> {
                if (accepted.getAndIncrement() == 0) {
                    holding.countDown();
                    sleep(300);
                }
                echo(connection);
            });
            InetSocketAddress at = (InetSocketAddress) burst.localAddress();
            try {
                sockets.add(new Socket(at.getAddress(), at.getPort()));
                assertTrue(holding.await(10, SECONDS));
                for (int i = 0; i < 150; i++) {
                    sockets.add(new Socket(at.getAddress(), at.getPort()));
                }
                for (int i = 0; i < sockets.size(); i++) {
                    assertEchoes(sockets.get(i), ("socket " + i).getBytes(UTF_8));
                }
                assertEquals(sockets.size(), accepted.get());
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
            burst.close().get(10, SECONDS);
            awaitNoBuffersInUse(single);
        }
    }

    @Test
    void sharedListeningSocketServesEveryConnection() throws Exception {
        Listener shared = runtime.listen(new InetSocketAddress("127.0.0.1", 0), ListenOptions.DEFAULT.withReusePort(false));
        shared.onAccept(EpollDriverSmokeTest::echo);
        InetSocketAddress at = (InetSocketAddress) shared.localAddress();
        for (int round = 0; round < 5; round++) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    sockets.add(new Socket(at.getAddress(), at.getPort()));
                }
                for (int i = 0; i < sockets.size(); i++) {
                    assertEchoes(sockets.get(i), ("round " + round + " socket " + i).getBytes(UTF_8));
                }
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
        shared.close().get(10, SECONDS);
        closeAndCheckBuffers();
    }

    private static void assertEchoes(Socket socket, byte[] message) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(message);
        assertArrayEquals(message, socket.getInputStream().readNBytes(message.length));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the listener, waits for the server's connections to see end of stream, checks the pools. */
    private void closeAndCheckBuffers() throws Exception {
        listener.close().get(10, SECONDS);
        awaitNoBuffersInUse(runtime);
    }

    private static void awaitNoBuffersInUse(IoRuntime runtime) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (runtime.buffersInUse() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, runtime.buffersInUse(), "pooled buffers still held");
    }

    private void socketRoundTrip(byte[] payload) {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(20_000);
            // Write from another thread: a 1 MiB echo does not fit in the socket buffers.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    socket.getOutputStream().write(payload);
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, threads);
            byte[] echoed = readAll(socket.getInputStream());
            writer.get(20, SECONDS);
            assertArrayEquals(payload, echoed, "echo of " + payload.length + " bytes differs");
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    private static byte[] receive(Connection connection, int length) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < length) {
            IoBuffer buffer = connection.recv().get(10, SECONDS);
            assertFalse(buffer.isEndOfStream(), "end of stream after " + out.size() + " of " + length + " bytes");
            out.writeBytes(buffer.toByteArray());
            buffer.release();
        }
        return out.toByteArray();
    }

    /** Like {@link #receive(Connection, int)}, starting with a recv already made. */
    private static byte[] receive(Connection connection, CompletableFuture<IoBuffer> first, int length)
            throws Exception {
        IoBuffer buffer = first.get(10, SECONDS);
        assertFalse(buffer.isEndOfStream(), "end of stream before any of " + length + " bytes");
        byte[] head = buffer.toByteArray();
        buffer.release();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head);
        if (head.length < length) {
            out.writeBytes(receive(connection, length - head.length));
        }
        return out.toByteArray();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
