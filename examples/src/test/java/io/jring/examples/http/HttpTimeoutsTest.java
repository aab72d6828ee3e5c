package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Clients that are slow or never read: timed out or cut off, and the loop goes on serving. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpTimeoutsTest {
    private static final int HEADER_TIMEOUT_MS = 300;
    private static final int SEND_TIMEOUT_MS = 500;

    private final HttpServers servers = new HttpServers("--header-timeout-ms", Integer.toString(HEADER_TIMEOUT_MS),
            "--send-timeout-ms", Integer.toString(SEND_TIMEOUT_MS));

    HttpTimeoutsTest() throws Exception {}

    @AfterAll
    void stop() throws Exception {
        servers.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void headersTooSlowGet408(String backend) throws Exception {
        int port = servers.port(backend);
        try (RawClient c = new RawClient(port)) {
            long start = System.nanoTime();
            RawClient.Reply reply = c.send("GET / HTTP/1.1\r\nHost: t\r\n").read();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(408, reply.status());
            assertEquals("close", reply.header("connection"));
            assertTrue(ms >= HEADER_TIMEOUT_MS - 50 && ms < 5_000, "408 after " + ms + " ms");
            assertTrue(c.closedByServer());
        }
        try (RawClient c = new RawClient(port)) { // trickling keeps no connection alive: the deadline is for the whole head
            c.send("GET / HTTP/1.1\r\n");
            long start = System.nanoTime();
            int status = 0;
            for (int i = 0; i < 100 && status == 0; i++) {
                Thread.sleep(50);
                try {
                    c.send("X-Trickle-" + i + ": still coming\r\n");
                } catch (IOException e) {
                    break; // already closed: the 408 is waiting to be read
                }
                if (System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(HEADER_TIMEOUT_MS * 4L)) {
                    break;
                }
            }
            assertEquals(408, c.read().status());
        }
        try (RawClient c = new RawClient(port)) { // the body too must keep coming
            assertEquals(408, c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf").read().status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void idleConnectionsAreClosedWithoutAnAnswer(String backend) throws Exception {
        try (RawClient c = new RawClient(servers.port(backend))) {
            assertEquals("Hello, World!", c.send(HttpRawSocketTest.get("/")).read().text());
            long start = System.nanoTime();
            assertTrue(c.closedByServer(), "an idle keep-alive connection is closed after the header timeout");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 5_000, "closed after " + ms + " ms");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aClientThatNeverReadsIsCutOff(String backend) throws Exception {
        int port = servers.port(backend);
        byte[] request = HttpRawSocketTest.get("/big.bin").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer pipeline = ByteBuffer.allocate(request.length * 64);
        for (int i = 0; i < 64; i++) {
            pipeline.put(request); // 64 x 2 MiB of answers asked for at once
        }
        pipeline.flip();
        try (SocketChannel channel = SocketChannel.open()) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024); // keep the kernel from soaking up much
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            while (pipeline.hasRemaining()) {
                channel.write(pipeline);
            }
            channel.configureBlocking(false);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(20);
            boolean cut = false;
            ByteBuffer more = ByteBuffer.wrap(HttpRawSocketTest.get("/").getBytes(StandardCharsets.ISO_8859_1));
            while (!cut && System.nanoTime() < deadline) {
                Thread.sleep(50);
                try {
                    channel.write(more.rewind()); // fails once the server has reset the connection
                } catch (IOException e) {
                    cut = true;
                }
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(cut, "a client that never reads was still connected after " + ms + " ms");
            assertTrue(ms >= SEND_TIMEOUT_MS - 50, "cut off after only " + ms + " ms");
        }
        try (RawClient c = new RawClient(port)) {
            assertEquals("Hello, World!", c.send(HttpRawSocketTest.get("/")).read().text(), "the loop still serves");
        }
    }
}
