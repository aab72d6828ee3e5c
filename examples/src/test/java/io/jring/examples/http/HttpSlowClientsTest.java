package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that send just fast enough to dodge a per-packet timeout, and clients that end their
 * lines with bare LF: each gets its answer (408, 400) and a close, and the server goes on serving.
 *
 * <p>The server allows a body max(500 ms, size / 1000 B/s) and pauses up to 1 s, so a body of
 * 1,500 bytes gets 1.5 s. The trickling clients send a byte every 200 ms, well inside the pause
 * limit: only a total deadline can cut them, and without one they would run until the test's
 * own bound of {@link #GIVE_UP_MS} and fail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpSlowClientsTest {
    private static final int PAUSE_LIMIT_MS = 1_000;   // --header-timeout-ms
    private static final int BODY_TIMEOUT_MS = 500;    // --body-timeout-ms
    private static final int MIN_BODY_RATE = 1_000;    // --min-body-rate, bytes per second
    private static final int TRICKLE_EVERY_MS = 200;
    private static final int GIVE_UP_MS = 15_000;

    private final HttpServers servers = new HttpServers("--header-timeout-ms", Integer.toString(PAUSE_LIMIT_MS),
            "--body-timeout-ms", Integer.toString(BODY_TIMEOUT_MS), "--min-body-rate", Integer.toString(MIN_BODY_RATE));

    HttpSlowClientsTest() throws Exception {}

    @AfterAll
    void stop() throws Exception {
        servers.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aBodyTrickledByteByByteIsCutByItsTotalDeadline(String backend) throws Exception {
        int length = 1_500;
        try (RawClient c = new RawClient(servers.port(backend))) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + length + "\r\n\r\n");
            int sent = trickleUntilAnswered(c, "x");
            RawClient.Reply reply = c.read();
            assertEquals(408, reply.status(), reply.text());
            assertTrue(reply.text().contains("body too slow"), reply.text());
            assertTrue(sent < length, "the whole body was sent (" + sent + " bytes) before the 408");
            assertEquals("close", reply.header("connection"));
            assertTrue(c.closedByServer());
        }
        assertServes(backend);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aChunkedBodyTrickledByteByByteIsCutToo(String backend) throws Exception {
        try (RawClient c = new RawClient(servers.port(backend))) {
            // one chunk of 0x5dc = 1,500 bytes announced: the same allowance as above
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5dc\r\n");
            trickleUntilAnswered(c, "x");
            RawClient.Reply reply = c.read();
            assertEquals(408, reply.status(), reply.text());
            assertTrue(reply.text().contains("of 1500 bytes"), reply.text());
            assertTrue(c.closedByServer());
        }
        assertServes(backend);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aHeadTrickledByteByByteIsCutByItsTotalDeadline(String backend) throws Exception {
        try (RawClient c = new RawClient(servers.port(backend))) {
            c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ");
            trickleUntilAnswered(c, "v"); // a header value that never ends
            RawClient.Reply reply = c.read();
            assertEquals(408, reply.status(), reply.text());
            assertTrue(reply.text().contains("head not received"), reply.text());
            assertTrue(c.closedByServer());
        }
        assertServes(backend);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aLargeBodyAtTheMinimumRateOrFasterIsAccepted(String backend) throws Exception {
        // 6,000 bytes get max(500 ms, 6 s); sent in ten pieces 100 ms apart, so for about a second:
        // longer than the body timeout alone, well within what the rate allows.
        byte[] body = HttpServers.randomBytes(6_000, 3);
        try (RawClient c = new RawClient(servers.port(backend))) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + body.length + "\r\n\r\n");
            for (int at = 0; at < body.length; at += 600) {
                Thread.sleep(100);
                c.send(java.util.Arrays.copyOfRange(body, at, at + 600));
            }
            RawClient.Reply reply = c.read();
            assertEquals(200, reply.status(), reply.text());
            assertArrayEquals(body, reply.body());
            assertEquals("Hello, World!", c.send(HttpRawSocketTest.get("/")).read().text(), "still kept alive");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void bareLineFeedsGetA400AtOnce(String backend) throws Exception {
        // A 408 would come only after the 1 s head timeout; a 400 says the server did not wait for a CRLF.
        for (String request : new String[] {"GET / HTTP/1.1\nHost: t\n\n", "GET / HTTP/1.1\r\nHost: t\n\n",
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n"}) {
            try (RawClient c = new RawClient(servers.port(backend))) {
                RawClient.Reply reply = c.send(request).read();
                assertEquals(400, reply.status(), request + " -> " + reply.text());
                assertTrue(reply.text().contains("bare LF"), reply.text());
                assertEquals("close", reply.header("connection"));
                assertTrue(c.closedByServer());
            }
        }
        assertServes(backend);
    }

    /**
     * Sends {@code piece} every {@link #TRICKLE_EVERY_MS} until the server answers (or resets the
     * connection), and returns how many pieces went out. Fails if no answer comes within
     * {@link #GIVE_UP_MS}: the server let the trickle go on.
     */
    private static int trickleUntilAnswered(RawClient c, String piece) throws Exception {
        InputStream in = c.socket().getInputStream();
        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MS);
        int sent = 0;
        while (in.available() == 0) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("still trickling after " + GIVE_UP_MS + " ms (" + sent + " pieces) with no answer");
            }
            Thread.sleep(TRICKLE_EVERY_MS);
            try {
                c.send(piece.getBytes(StandardCharsets.ISO_8859_1));
                sent++;
            } catch (IOException closed) {
                break; // the server answered and closed; the answer waits to be read
            }
        }
        return sent;
    }

    private void assertServes(String backend) throws Exception {
        try (RawClient c = new RawClient(servers.port(backend))) {
            assertEquals("Hello, World!", c.send(HttpRawSocketTest.get("/")).read().text(), "the loop still serves");
        }
    }
}
