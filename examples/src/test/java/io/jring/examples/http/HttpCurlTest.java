package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The http example served to curl, on both backends. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpCurlTest {
    private final HttpServers servers = new HttpServers();

    HttpCurlTest() throws Exception {}

    @AfterAll
    void stop() throws Exception {
        servers.close();
    }

    private String url(String backend, String path) {
        return "http://127.0.0.1:" + servers.port(backend) + path;
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void helloAndJson(String backend) throws Exception {
        Curl.Result hello = Curl.fetch(url(backend, "/"));
        assertEquals(200, hello.status());
        assertEquals("Hello, World!", hello.text());
        assertEquals("text/plain; charset=utf-8", hello.headers().get("content-type"));
        assertEquals("13", hello.headers().get("content-length"));
        assertTrue(hello.headers().get("date").endsWith(" GMT"), hello.headers().toString());

        Curl.Result json = Curl.fetch(url(backend, "/json"));
        assertEquals(200, json.status());
        assertEquals("application/json", json.headers().get("content-type"));
        assertEquals("{\"message\":\"Hello, World!\"}", json.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void keepAliveCarriesTwoRequestsOnOneConnection(String backend) throws Exception {
        String out = Curl.run("-w", "%{http_code}:%{num_connects} ", url(backend, "/"), url(backend, "/json"));
        assertEquals("Hello, World!200:1 {\"message\":\"Hello, World!\"}200:0 ", out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void headHasTheHeadersAndNoBody(String backend) throws Exception {
        Curl.Result head = Curl.fetch("-I", url(backend, "/"));
        assertEquals(200, head.status());
        assertEquals("13", head.headers().get("content-length"));
        assertEquals("200 0", Curl.run("-o", "/dev/null", "-I", "-w", "%{http_code} %{size_download}", url(backend, "/")));

        Curl.Result file = Curl.fetch("-I", url(backend, "/data.bin"));
        assertEquals("100003", file.headers().get("content-length"));
        assertEquals("application/octet-stream", file.headers().get("content-type"));
        // and the connection is still in step afterwards: HEAD then GET on one connection
        String out = Curl.run("-o", "/dev/null", "-w", "%{num_connects}", "-I", url(backend, "/notes.txt"),
                "--next", "-sS", "-o", "/dev/null", "-w", "%{num_connects}:%{size_download}", url(backend, "/notes.txt"));
        assertEquals("10:25", out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void staticFilesWithTheirTypeAndExactBytes(String backend) throws Exception {
        for (var file : List.of(List.of("index.html", "text/html; charset=utf-8"),
                List.of("notes.txt", "text/plain; charset=utf-8"), List.of("data.bin", "application/octet-stream"),
                List.of("big.bin", "application/octet-stream"))) {
            Curl.Result got = Curl.fetch(url(backend, "/" + file.get(0)));
            byte[] expected = Files.readAllBytes(servers.root.resolve(file.get(0)));
            assertEquals(200, got.status(), file.get(0));
            assertEquals(file.get(1), got.headers().get("content-type"), file.get(0));
            assertEquals(Long.toString(expected.length), got.headers().get("content-length"), file.get(0));
            assertArrayEquals(expected, got.body(), file.get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void pathTraversalIsRefused(String backend) throws Exception {
        String secret = Files.readString(servers.secret);
        for (String path : List.of("/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt",
                "/%2E%2E/%2e%2e/etc/passwd", "/..%2fsecret.txt", "/notes.txt/../../secret.txt",
                "//etc/passwd", "/escape.txt", "/outside/secret.txt", "/%00notes.txt", "/outside/www/../secret.txt")) {
            Curl.Result got = Curl.fetch("--path-as-is", url(backend, path));
            assertTrue(got.status() == 403 || got.status() == 404, path + " answered " + got.status());
            assertFalse(got.text().contains(secret.strip()), path);
            assertFalse(got.text().contains("root:"), path);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void echoReturnsTheBodyWithContentLengthOrChunked(String backend) throws Exception {
        Path body = servers.base.resolve("upload-" + backend + ".bin");
        byte[] bytes = HttpServers.randomBytes(300_001, 7);
        Files.write(body, bytes);

        Curl.Result fixed = Curl.fetch("--data-binary", "@" + body, url(backend, "/echo"));
        assertEquals(200, fixed.status());
        assertEquals("300001", fixed.headers().get("content-length"));
        assertArrayEquals(bytes, fixed.body());

        Curl.Result chunked = Curl.fetch("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + body,
                url(backend, "/echo"));
        assertEquals(200, chunked.status());
        assertEquals("300001", chunked.headers().get("content-length"));
        assertArrayEquals(bytes, chunked.body());

        Curl.Result small = Curl.fetch("--data-binary", "hello, echo", url(backend, "/echo"));
        assertEquals("hello, echo", small.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void unknownPathsAndWrongMethods(String backend) throws Exception {
        assertEquals(404, Curl.fetch(url(backend, "/nothing-here")).status());
        Curl.Result delete = Curl.fetch("-X", "DELETE", url(backend, "/"));
        assertEquals(405, delete.status());
        assertEquals("GET, HEAD", delete.headers().get("allow"));
        Curl.Result getEcho = Curl.fetch(url(backend, "/echo"));
        assertEquals(405, getEcho.status());
        assertEquals("POST", getEcho.headers().get("allow"));
        assertEquals(405, Curl.fetch("--data-binary", "x", url(backend, "/notes.txt")).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void http10ClosesUnlessKeptAlive(String backend) throws Exception {
        Curl.Result plain = Curl.fetch("--http1.0", url(backend, "/"));
        assertEquals("Hello, World!", plain.text());
        assertEquals("close", plain.headers().get("connection"));
        Curl.Result kept = Curl.fetch("--http1.0", "-H", "Connection: keep-alive", url(backend, "/"));
        assertEquals("keep-alive", kept.headers().get("connection"));
        Curl.Result closing = Curl.fetch("-H", "Connection: close", url(backend, "/json"));
        assertEquals("close", closing.headers().get("connection"));
    }
}
