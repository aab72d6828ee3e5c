package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy's sessions in this JVM, so the runtime's pool can be counted: whichever way a
 * session ends, every buffer it received goes back. Two loops, so client and upstream sit on
 * different loops for half the sessions and buffers cross between them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyBuffersTest {
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void everyBufferGoesBackHoweverASessionEnds(String backend) throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(Backend.parse(backend)));
        try (ServerSocket upstream = Loopback.listen(50, 0)) {
            int port = startProxy(runtime, new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.getLocalPort()),
                    Duration.ofMinutes(1));
            int idle = settled(runtime::buffersInUse);

            for (int i = 0; i < 4; i++) { // both loop pairings, twice
                endsWithHalfCloses(port, upstream);
                clientResetsWhileTheProxyHoldsASend(port, upstream);
                upstreamResetsMidStream(port, upstream);
            }
            Loopback.assertServes(port, upstream);
            awaitCount(idle, runtime::buffersInUse, "pooled buffers in use once every session ended");

            // A session stalled mid-transfer when the runtime closes: its buffers go back too.
            try (Socket client = Loopback.connect(port); Socket server = Loopback.accept(upstream)) {
                CompletableFuture.runAsync(() -> writeUntilClosed(server, 8 << 20)); // the client does not read
                client.getInputStream().readNBytes(1 << 16);
                runtime.close();
            }
            // A session's idle check, a JDK timer that runs on its own thread once the loops have
            // stopped, may still be giving a buffer back as close() returns: bounded wait for 0.
            awaitCount(0, runtime::buffersInUse, "pooled buffers in use after runtime.close()");
        } finally {
            runtime.close();
        }
    }

    /**
     * A client that stops reading stalls the proxy's send to it, with a buffer held: no bytes move
     * either way, so the idle timeout ends the session, and the buffer goes back.
     */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aSessionStalledByAClientThatStopsReadingEndsWhenIdleAndGivesItsBuffersBack(String backend) throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(Backend.parse(backend)));
        try (ServerSocket upstream = Loopback.listen(50, 0)) {
            int port = startProxy(runtime, new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.getLocalPort()),
                    Duration.ofMillis(500));
            int idle = settled(runtime::buffersInUse);
            try (Socket client = Loopback.connect(port); Socket server = Loopback.accept(upstream)) {
                // Far more than the buffers on the way hold: this only ends if the proxy closes the upstream.
                CompletableFuture<Boolean> flood = CompletableFuture.supplyAsync(() -> writeUntilClosed(server, 256 << 20));
                client.getInputStream().readNBytes(1 << 16); // then reads no more
                assertTrue(flood.get(30, TimeUnit.SECONDS), "the proxy closed the upstream of a stalled session");
                Loopback.assertEnds(client, "the client of a stalled session");
            }
            awaitCount(idle, runtime::buffersInUse, "pooled buffers in use once the idle session was closed");
        } finally {
            runtime.close();
        }
    }

    private static int startProxy(IoRuntime runtime, InetSocketAddress upstream, Duration idleTimeout) throws IOException {
        Listener listener = runtime.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        listener.onAccept(client -> ProxySession.start(client, runtime, upstream, Duration.ofSeconds(5), idleTimeout));
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    private static void endsWithHalfCloses(int port, ServerSocket upstream) throws IOException {
        try (Socket client = Loopback.connect(port); Socket server = Loopback.accept(upstream)) {
            byte[] request = bytes(300_000, 1);
            byte[] answer = bytes(200_000, 2);
            client.getOutputStream().write(request);
            client.shutdownOutput();
            assertArrayEquals(request, server.getInputStream().readAllBytes());
            server.getOutputStream().write(answer);
            server.shutdownOutput();
            assertArrayEquals(answer, client.getInputStream().readAllBytes());
        }
    }

    /** The client stops reading, so the proxy's send to it waits holding a buffer; then the client resets. */
    private static void clientResetsWhileTheProxyHoldsASend(int port, ServerSocket upstream) throws Exception {
        try (Socket client = Loopback.connect(port); Socket server = Loopback.accept(upstream)) {
            // Far more than the buffers on the way hold: this only ends early if the proxy closes the upstream.
            CompletableFuture<Boolean> flood = CompletableFuture.supplyAsync(() -> writeUntilClosed(server, 256 << 20));
            client.getInputStream().readNBytes(1 << 16);
            client.setSoLinger(true, 0);
            client.close();
            assertTrue(flood.get(30, TimeUnit.SECONDS), "the proxy closed the upstream after the client's reset");
        }
    }

    /** The upstream resets with the client's bytes unread, while the proxy may be sending it more. */
    private static void upstreamResetsMidStream(int port, ServerSocket upstream) throws IOException {
        try (Socket client = Loopback.connect(port); Socket server = Loopback.accept(upstream)) {
            client.getOutputStream().write(bytes(100_000, 3));
            server.getInputStream().readNBytes(50_000);
            server.setSoLinger(true, 0);
            server.close();
            Loopback.assertEnds(client, "the client's connection after the upstream reset");
        }
    }

    /** Writes up to {@code n} bytes; true if the connection was closed before they were all written. */
    private static boolean writeUntilClosed(Socket socket, int n) {
        try {
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[1 << 16];
            for (int sent = 0; sent < n; sent += chunk.length) {
                out.write(chunk);
            }
            return false;
        } catch (IOException closed) {
            return true;
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Waits (bounded) until {@code count} is {@code expected}; fails saying where it stayed. */
    private static void awaitCount(int expected, IntSupplier count, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                assertEquals(expected, count.getAsInt(), what);
            }
            Thread.sleep(10);
        }
    }

    /** The count once it has stopped changing (the io_uring loops refill their provided-buffer rings lazily). */
    private static int settled(IntSupplier count) throws InterruptedException {
        int last = count.getAsInt();
        for (int stable = 0, rounds = 0; stable < 5 && rounds < 500; rounds++) {
            Thread.sleep(10);
            int now = count.getAsInt();
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
        return last;
    }
}
