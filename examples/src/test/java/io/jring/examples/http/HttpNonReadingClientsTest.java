package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attack from issue 11: many clients ask for a large static file and never read it. The
 * server's resident memory must stay bounded while they hang (each holds a small window of
 * blocks, not the file or maxUnsent), every one of them must still get its answer started (no
 * refusal for the buffer cap), the server keeps serving others, and once they leave the memory
 * goes back (the pools unmap their grown slabs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HttpNonReadingClientsTest {
    private static final int CLIENTS = 150;
    private static final long MIB = 1 << 20;
    /** Generous: 150 windows of 256 KiB are 38 MiB; before the window, the same clients took over 500 MiB. */
    private static final long MAX_GROWTH = 120 * MIB;

    // A long send timeout: the clients must still be connected, unread, while memory is measured.
    private final HttpServers servers = new HttpServers("--send-timeout-ms", "120000");

    HttpNonReadingClientsTest() throws IOException {
        byte[] mib = HttpServers.randomBytes((int) MIB, 3);
        try (OutputStream out = Files.newOutputStream(servers.root.resolve("large.bin"))) {
            for (int i = 0; i < 64; i++) {
                out.write(mib); // far more than the socket buffers of a client hold
            }
        }
    }

    @AfterAll
    void stop() throws IOException {
        servers.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void clientsThatNeverReadALargeFileHoldBoundedMemoryThatComesBackWhenTheyLeave(String backend) throws Exception {
        int port = servers.port(backend);
        long pid = servers.pid(backend);
        try (RawClient warm = new RawClient(port)) { // load the code paths before the baseline
            assertEquals(200, warm.send(HttpRawSocketTest.get("/big.bin")).read().status());
        }
        long before = rssBytes(pid);
        long measuredGrowth;

        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket client = new Socket();
                client.setReceiveBufferSize(16 * 1024);
                client.setSoTimeout(30_000);
                client.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                clients.add(client);
                client.getOutputStream().write(HttpRawSocketTest.get("/large.bin").getBytes(StandardCharsets.ISO_8859_1));
            }
            for (Socket client : clients) {
                assertEquals("HTTP/1.1 200", readPrefix(client.getInputStream(), 12), "every client gets its answer");
            }
            // The server fills each client's socket buffers, then waits with a window of blocks.
            long during = 0;
            for (int i = 0; i < 10; i++) {
                Thread.sleep(300);
                during = Math.max(during, rssBytes(pid));
            }
            long growth = during - before;
            measuredGrowth = growth;
            assertTrue(growth < MAX_GROWTH, "RSS grew " + growth / MIB + " MiB with " + CLIENTS
                    + " non-reading clients (from " + before / MIB + " MiB)");
            try (RawClient other = new RawClient(port)) {
                assertEquals("Hello, World!", other.send(HttpRawSocketTest.get("/")).read().text(),
                        "the server keeps serving others meanwhile");
            }
        } finally {
            for (Socket client : clients) {
                client.close(); // unread data: the kernel resets, and the server's sends fail
            }
        }

        // Files now leave through sendFile (SPLICE, or sendfile on epoll), which holds no pooled
        // block, so the clients should barely grow the heap or the pools at all. If they did grow
        // it, grown slabs are unmapped a second after their last block comes back: at least 16
        // MiB must then be returned. Not all: each loop's first slab stays, and on
        // epoll its pages become resident only as they are first used (io_uring's registration
        // touches them all at start), and the Java heap may keep some of its growth.
        long during = before + measuredGrowth;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long after = rssBytes(pid);
        while ((after - before > MAX_GROWTH / 4 || during - after < 16 * MIB) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            after = rssBytes(pid);
        }
        System.out.printf("%s: RSS %d MiB before, %d MiB with %d non-reading clients, %d MiB after they left%n",
                backend, before / MIB, during / MIB, CLIENTS, after / MIB);
        assertTrue(after - before <= MAX_GROWTH / 4, "RSS still " + (after - before) / MIB
                + " MiB above the baseline of " + before / MIB + " MiB after the clients left");
        if (measuredGrowth > 32 * MIB) { // a server that held windows of blocks must give them back
            assertTrue(during - after >= 16 * MIB, "only " + (during - after) / MIB
                    + " MiB of RSS came back after the clients left");
        }
    }

    private static String readPrefix(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** VmRSS of {@code pid}, from /proc. */
    static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }
}
