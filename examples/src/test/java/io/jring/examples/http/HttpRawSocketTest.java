package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exact bytes over plain sockets: pipelining, split requests, and every kind of bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpRawSocketTest {
    private final HttpServers servers = new HttpServers();

    HttpRawSocketTest() throws Exception {}

    @AfterAll
    void stop() throws Exception {
        servers.close();
    }

    private RawClient client(String backend) throws Exception {
        return new RawClient(servers.port(backend));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void sixteenPipelinedRequestsInOneWriteAreAnsweredInOrder(String backend) throws Exception {
        byte[] data = Files.readAllBytes(servers.root.resolve("data.bin"));
        StringBuilder pipeline = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            switch (i % 8) {
                case 0 -> pipeline.append(get("/"));
                case 1 -> pipeline.append(get("/json"));
                case 2 -> pipeline.append(post("/echo", "request " + i));
                case 3 -> pipeline.append("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
                case 4 -> pipeline.append(get("/notes.txt"));
                case 5 -> pipeline.append("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "4\r\nchun\r\n3;ext=1\r\nked\r\n" + Integer.toHexString((" " + i).length()) + "\r\n " + i
                        + "\r\n0\r\nTrailer: x\r\n\r\n");
                case 6 -> pipeline.append(get("/missing"));
                default -> pipeline.append(get("/data.bin"));
            }
            expected.add(switch (i % 8) {
                case 0, 3 -> "200 Hello, World!";
                case 1 -> "200 {\"message\":\"Hello, World!\"}";
                case 2 -> "200 request " + i;
                case 4 -> "200 plain text, nothing more\n";
                case 5 -> "200 chunked " + i;
                case 6 -> "404 404 Not Found\n";
                default -> "200 data.bin";
            });
        }
        try (RawClient c = client(backend)) {
            c.send(pipeline.toString());
            for (int i = 0; i < 16; i++) {
                boolean head = i % 8 == 3;
                RawClient.Reply reply = c.read(head);
                if (i % 8 == 7) {
                    assertArrayEquals(data, reply.body(), "response " + i);
                    assertEquals(expected.get(i), reply.status() + " data.bin");
                } else if (head) {
                    assertEquals(expected.get(i), reply.status() + " Hello, World!");
                    assertEquals("13", reply.header("content-length"));
                } else {
                    assertEquals(expected.get(i), reply.status() + " " + reply.text(), "response " + i);
                }
            }
            assertEquals("Hello, World!", c.send(get("/")).read().text(), "the connection is still usable");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void requestsCutIntoTinyPiecesStillParse(String backend) throws Exception {
        String request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\n\r\n";
        try (RawClient c = client(backend)) {
            for (int i = 0; i < request.length(); i++) {
                c.send(request.substring(i, i + 1));
                if (i % 8 == 0) {
                    Thread.sleep(2); // let some pieces arrive as packets of their own
                }
            }
            assertEquals("hello, world", c.read().text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void malformedRequestsGet400AndAClose(String backend) throws Exception {
        for (String bad : List.of(
                "GARBAGE\r\n\r\n",
                "GET /\r\n\r\n",
                "GET  / HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET relative HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET / HTTP/1.1\nHost: t\r\n\r\n",
                "GET / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nno colon here\r\n\r\n",
                "GET / HTTP/1.1\r\nHost : t\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nX-Ctl: a\u0001b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX")) {
            try (RawClient c = client(backend)) {
                RawClient.Reply reply = c.send(bad).read();
                assertEquals(400, reply.status(), () -> "for " + bad.replace("\r\n", "\\r\\n") + ": " + reply.text());
                assertEquals("close", reply.header("connection"));
                assertTrue(c.closedByServer(), "still open after a 400 for " + bad);
            }
        }
        try (RawClient c = client(backend)) {
            assertEquals(505, c.send("GET / HTTP/2.0\r\nHost: t\r\n\r\n").read().status());
        }
        try (RawClient c = client(backend)) {
            assertEquals("Hello, World!", c.send(get("/")).read().text(), "the server still serves");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void headerSectionOver8KiBGets431(String backend) throws Exception {
        try (RawClient c = client(backend)) {
            RawClient.Reply reply = c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n").read();
            assertEquals(431, reply.status());
            assertTrue(c.closedByServer());
        }
        try (RawClient c = client(backend)) { // never terminated: refused once past the limit, not waited for
            StringBuilder endless = new StringBuilder("GET / HTTP/1.1\r\nHost: t\r\n");
            for (int i = 0; endless.length() < 8300; i++) {
                endless.append("X-H").append(i).append(": value\r\n");
            }
            assertEquals(431, c.send(endless.toString()).read().status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void unsupportedTransferEncodingGets501(String backend) throws Exception {
        for (String encoding : List.of("gzip", "gzip, chunked", "identity")) {
            try (RawClient c = client(backend)) {
                RawClient.Reply reply = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + encoding
                        + "\r\n\r\n").read();
                assertEquals(501, reply.status(), encoding);
                assertTrue(c.closedByServer());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void bodyOverTheLimitGets413(String backend) throws Exception {
        try (RawClient c = client(backend)) {
            // The client is still uploading when the 413 comes: the server must not reset the
            // connection under it (lingering close), or the 413 could be lost.
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n").send(new byte[100_000]);
            RawClient.Reply reply = c.read();
            assertEquals(413, reply.status());
            assertEquals("close", reply.header("connection"));
        }
        try (RawClient c = client(backend)) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n");
            assertEquals(413, c.read().status());
            assertTrue(c.closedByServer());
        }
        try (RawClient c = client(backend)) { // many small chunks adding up to more than 1 MiB
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = ("4000\r\n" + "x".repeat(0x4000) + "\r\n").getBytes();
            for (int i = 0; i < 70; i++) {
                try {
                    c.send(chunk);
                } catch (java.io.IOException e) {
                    break; // refused already; the answer is waiting
                }
            }
            assertEquals(413, c.read().status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void expectContinueGetsA100ThenTheAnswer(String backend) throws Exception {
        try (RawClient c = client(backend)) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.read().status());
            assertEquals("later", c.send("later").read().text());
        }
        try (RawClient c = client(backend)) {
            assertEquals(417, c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: magic\r\n\r\n")
                    .read().status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void connectionCloseAndHttp10AreHonoured(String backend) throws Exception {
        try (RawClient c = client(backend)) {
            c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get("/json"));
            RawClient.Reply reply = c.read();
            assertEquals("close", reply.header("connection"));
            assertTrue(c.closedByServer(), "requests after Connection: close are not answered");
        }
        try (RawClient c = client(backend)) {
            assertEquals("Hello, World!", c.send("GET / HTTP/1.0\r\n\r\n").read().text());
            assertTrue(c.closedByServer());
        }
        try (RawClient c = client(backend)) {
            c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals("keep-alive", c.read().header("connection"));
            assertEquals("{\"message\":\"Hello, World!\"}", c.send("GET /json HTTP/1.0\r\n\r\n").read().text());
            assertTrue(c.closedByServer());
        }
        try (RawClient c = client(backend)) { // half-close after pipelined requests: all answered, then closed
            c.send(get("/") + get("/json"));
            c.socket().shutdownOutput();
            assertEquals("Hello, World!", c.read().text());
            assertEquals("{\"message\":\"Hello, World!\"}", c.read().text());
            assertTrue(c.closedByServer());
        }
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }

    static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }
}
