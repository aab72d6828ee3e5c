package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Apache Tomcat 11's NIO.2 connector, unchanged, on jring's provider (the tomcat example, as its
 * own process, one per backend), under clients nobody here wrote (curl, wrk) and raw sockets.
 * In this package to share the http example's curl and raw-socket clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TomcatOnJringTest {
    static final String MAIN = "io.jring.examples.tomcat.TomcatServer";
    private final Map<String, ExampleProcess> running = new HashMap<>();
    private final Map<String, Integer> ports = new HashMap<>();
    private final Path dir = Files.createTempDirectory("jring-tomcat-test");

    TomcatOnJringTest() throws IOException {}

    /** The server for {@code config} ("io_uring", "epoll": jring's provider on it; "jdk": the JDK's provider). */
    private int port(String config) throws Exception {
        Integer port = ports.get(config);
        if (port == null) {
            port = ExampleProcess.freePort();
            List<String> args = new ArrayList<>(List.of("--port", port.toString(), "--max-threads", "4"));
            args.addAll(config.equals("jdk") ? List.of("--provider", "jdk") : List.of("--backend", config));
            ExampleProcess process = ExampleProcess.start(MAIN, List.of(), Map.of(), args.toArray(String[]::new));
            running.put(config, process);
            String ready = process.awaitLine(" listening on ", Duration.ofSeconds(60));
            String backend = config.equals("jdk") ? "epoll" : config;
            assertTrue(ready.contains("Http11Nio2Protocol") && ready.contains("backend=" + backend), ready);
            assertTrue(ready.contains(config.equals("jdk") ? "provider=sun.nio.ch." : "provider=io.jring.nio2."), ready);
            ports.put(config, port);
        }
        return port;
    }

    @AfterAll
    void stop() throws Exception {
        for (ExampleProcess process : running.values()) {
            String output = process.outputSoFar();
            process.close();
            assertFalse(output.contains("SEVERE"), "Tomcat logged an error:\n" + output);
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void runsOnTheChosenBackendItself(String backend) throws Exception {
        port(backend);
        long pid = running.get(backend).pid();
        // The proof that Tomcat's I/O goes through io_uring: the process holds io_uring instances
        // (one per jring loop); on epoll (forced), none.
        assertEquals(backend.equals("io_uring"), uringFds(pid) > 0, "io_uring fds of " + backend + " Tomcat");
    }

    @Test
    void jdkProviderReallyIsTheJdks() throws Exception {
        int port = port("jdk");
        assertEquals("Hello, World!", Curl.fetch("http://127.0.0.1:" + port + "/").text());
        assertEquals(0, uringFds(running.get("jdk").pid()), "the JDK's provider opened an io_uring instance?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void curlKeepsOneConnectionAlive(String backend) throws Exception {
        String url = "http://127.0.0.1:" + port(backend) + "/";
        // Five transfers in one curl: num_connects is 1 for the first, 0 for each reuse.
        String out = Curl.run("-w", "|%{http_code} %{num_connects}\n", url, url, url, url, url);
        assertEquals("Hello, World!|200 1\n" + "Hello, World!|200 0\n".repeat(4), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void echoesOneMebibyteByteForByte(String backend) throws Exception {
        byte[] body = HttpServers.randomBytes(1 << 20, 13);
        Path file = Files.write(dir.resolve("body-" + backend + ".bin"), body);
        String url = "http://127.0.0.1:" + port(backend) + "/echo";
        Curl.Result sized = Curl.fetch("--data-binary", "@" + file, url);
        assertEquals(200, sized.status());
        assertArrayEquals(body, sized.body());
        Curl.Result chunked = Curl.fetch("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, url);
        assertEquals(200, chunked.status());
        assertArrayEquals(body, chunked.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void answersPipelinedRequestsInOrder(String backend) throws Exception {
        try (RawClient client = new RawClient(port(backend))) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                batch.append(i % 2 == 0 ? "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
                        : "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nbody-" + i);
            }
            client.send(batch.toString()); // all eight in one write
            for (int i = 0; i < 8; i++) {
                RawClient.Reply reply = client.read();
                assertEquals(200, reply.status());
                assertEquals(i % 2 == 0 ? "Hello, World!" : "body-" + i, reply.text());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void echoesAChunkedBodySentInPieces(String backend) throws Exception {
        try (RawClient client = new RawClient(port(backend))) {
            client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
            // Cut inside sizes, data and CRLFs, each piece its own write.
            for (String piece : List.of("5\r", "\nhel", "lo\r\nf", "\r\n, chunked ", "world\r\n0\r", "\n\r\n")) {
                client.send(piece);
                Thread.sleep(20);
            }
            String response = new String(client.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            int headEnd = response.indexOf("\r\n\r\n");
            String body = response.substring(headEnd + 4);
            // Tomcat may answer chunked, or (the request said close) delimited by the close.
            boolean chunked = response.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT)
                    .contains("transfer-encoding: chunked");
            assertEquals("hello, chunked world", chunked ? dechunk(body) : body, response);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void turnsBadRequestsIntoTomcats400(String backend) throws Exception {
        int port = port(backend);
        for (String bad : List.of("GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n",
                "GET /\u0001 HTTP/1.1\r\nHost: t\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n")) {
            try (RawClient client = new RawClient(port)) {
                client.send(bad);
                assertEquals(400, client.read().status(), bad);
            }
        }
        // ...and the server goes on serving.
        assertEquals("Hello, World!", Curl.fetch("http://127.0.0.1:" + port + "/").text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void wrkSeesNoErrors(String backend) throws Exception {
        String url = "http://127.0.0.1:" + port(backend) + "/";
        Path pipeline = Files.writeString(dir.resolve("pipeline.lua"), """
                init = function(args)
                  local r = {}
                  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
                  req = table.concat(r)
                end
                request = function() return req end
                """);
        assertClean(wrk("-t1", "-c32", "-d2s", url));
        assertClean(wrk("-t1", "-c32", "-d2s", "-s", pipeline.toString(), url));
    }

    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, eol).strip(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
    }

    private static long uringFds(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    private static void assertClean(String report) {
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(report);
        assertTrue(m.find(), report);
        assertTrue(Long.parseLong(m.group(1)) > 100, report);
        assertFalse(report.contains("Socket errors"), report);
        assertFalse(report.contains("Non-2xx"), report);
    }

    private static String wrk(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        InputStream in = process.getInputStream();
        String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("wrk did not finish: " + out);
        }
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
