package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream that accepts and does not read. The client writes as fast as it can; the proxy
 * must stop taking its bytes once the path to the upstream is full, so what the client manages
 * to write is bounded by the kernel's socket buffers, not by the proxy's memory. Meanwhile other
 * sessions are served; once the upstream reads, every byte arrives, in order.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyBackpressureTest {
    private static final int FIXED_BUFFER = 64 << 10;   // the test's own sockets: no autotuning
    private static final long STALL_MS = 2_000;         // no room to write for this long: the client is stalled

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void slowUpstreamStallsTheClientAndNothingIsLost(String backend) throws Exception {
        try (ServerSocket upstream = Loopback.listen(50, FIXED_BUFFER);
             RunningExample proxy = RunningExample.proxy(backend, upstream.getLocalPort());
             SocketChannel client = SocketChannel.open()) {
            client.setOption(StandardSocketOptions.SO_SNDBUF, FIXED_BUFFER);
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
            try (Socket server = Loopback.accept(upstream)) {
                // Everything that may hold the client's bytes while nobody reads them: the test's two
                // sockets, the proxy's two (autotuned, so up to the kernel's maxima), and a generous
                // MiB for the proxy itself, which should hold one 16 KiB buffer per direction.
                long bound = client.getOption(StandardSocketOptions.SO_SNDBUF) + server.getReceiveBufferSize()
                        + kernelMax("tcp_rmem") + kernelMax("tcp_wmem") + (1 << 20);
                long limit = bound + (32 << 20); // a proxy without backpressure lets the client get this far
                long stalledAt = writeUntilStalled(client, 0, limit);
                System.out.printf("proxy on %s: the client wrote %.1f MiB before it stalled (bound %.1f MiB)%n",
                        backend, stalledAt / 1048576.0, bound / 1048576.0);
                assertTrue(stalledAt < bound, "the client wrote " + stalledAt + " bytes into a proxy whose upstream"
                        + " reads nothing; everything on the way holds at most " + bound);

                Loopback.assertServes(proxy.port(), upstream); // the stalled session stalls no one else

                CompletableFuture<Long> verified = CompletableFuture.supplyAsync(() -> readAndVerify(server));
                long total = stalledAt + (4 << 20);
                client.configureBlocking(true);
                writePattern(client, stalledAt, total);
                client.shutdownOutput();
                assertEquals(total, verified.get(60, TimeUnit.SECONDS), "bytes the upstream received, all in order");
            }
            // The upstream closed after reading everything: the proxy passes that on and lets go of both sides.
            client.socket().setSoTimeout(Loopback.PATIENCE_MS);
            assertEquals(-1, client.socket().getInputStream().read(), "the client sees the upstream's end of stream");
            proxy.awaitIdle("after the session ended");
        }
    }

    /**
     * Writes the pattern from {@code offset} without blocking until nothing more fits for
     * {@link #STALL_MS}, or {@code limit} is reached; returns where it stopped.
     */
    private static long writeUntilStalled(SocketChannel channel, long offset, long limit) throws IOException {
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
            ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
            long position = offset;
            fill(chunk, position);
            while (position < limit) {
                int written = channel.write(chunk);
                position += written;
                if (!chunk.hasRemaining()) {
                    fill(chunk, position);
                }
                if (written == 0) {
                    if (selector.select(STALL_MS) == 0) {
                        break;
                    }
                    selector.selectedKeys().clear();
                }
            }
            key.cancel();
            selector.selectNow(); // deregisters the channel, so it may block again
            return position;
        }
    }

    private static void writePattern(SocketChannel channel, long from, long to) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        for (long position = from; position < to; position += chunk.limit()) {
            fill(chunk, position);
            chunk.limit((int) Math.min(chunk.capacity(), to - position));
            while (chunk.hasRemaining()) {
                channel.write(chunk);
            }
        }
    }

    /** Reads to end of stream, checking each byte against the pattern; returns the count, then closes. */
    private static long readAndVerify(Socket server) {
        try (server; InputStream in = server.getInputStream()) {
            byte[] buffer = new byte[64 << 10];
            long position = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                for (int i = 0; i < n; i++, position++) {
                    if (buffer[i] != patternAt(position)) {
                        throw new AssertionError("byte " + position + " differs");
                    }
                }
            }
            return position;
        } catch (IOException e) {
            throw new AssertionError("the upstream's read failed", e);
        }
    }

    /** Refills {@code chunk} with the pattern from {@code position}, ready to be written. */
    private static void fill(ByteBuffer chunk, long position) {
        chunk.clear();
        for (int i = 0; i < chunk.capacity(); i++) {
            chunk.put(i, patternAt(position + i));
        }
    }

    /** A byte that depends on its position: a lost, repeated or reordered byte shows up as a mismatch. */
    private static byte patternAt(long position) {
        return (byte) ((position * 0x9E3779B97F4A7C15L) >>> 56);
    }

    /** The largest buffer the kernel's autotuning may give a TCP socket: the third field of net.ipv4.tcp_rmem/wmem. */
    private static long kernelMax(String sysctl) throws IOException {
        // /proc reports a size of 0, which Files.readString takes at its word: read the stream instead.
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4", sysctl))) {
            String[] fields = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            return Long.parseLong(fields[2]);
        }
    }
}
