package io.jring.examples.unix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import io.jring.examples.ExternalClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --unix PATH} on the http and echo examples, as a user runs them: curl's
 * {@code --unix-socket}, OpenBSD nc's {@code -U} and a Python AF_UNIX client, on both backends;
 * the socket file is there while the server runs and gone once it stops on SIGTERM.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnixSocketExamplesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void httpServesCurlOverAUnixSocketAndRemovesItsFile(String backend) throws Exception {
        Path socket = dir.resolve("http.sock");
        Path root = Files.createDirectory(dir.resolve("www"));
        byte[] data = new byte[300_001];
        new Random(7).nextBytes(data);
        Files.write(root.resolve("data.bin"), data);
        try (ExampleProcess server = ExampleProcess.start("io.jring.examples.http.HttpServer", List.of(), Map.of(),
                "--unix", socket.toString(), "--backend", backend, "--threads", "2", "--root", root.toString())) {
            String ready = server.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("backend=" + backend) && ready.contains(socket.toString()), ready);
            assertTrue(Files.exists(socket));

            assertEquals("Hello, World!", curl(socket, "http://localhost/"));
            assertEquals("{\"message\":\"Hello, World!\"}", curl(socket, "http://localhost/json"));
            Path got = dir.resolve("got.bin");
            curl(socket, "-o", got.toString(), "http://localhost/data.bin");
            assertArrayEquals(data, Files.readAllBytes(got), "a static file over the Unix socket, byte-exact");
            assertEquals("posted", curl(socket, "--data-binary", "posted", "http://localhost/echo"));
            // keep-alive: two requests on one connection
            assertEquals("Hello, World!200:1 {\"message\":\"Hello, World!\"}200:0 ",
                    curl(socket, "-w", "%{http_code}:%{num_connects} ", "http://localhost/", "http://localhost/json"));
        }
        assertFalse(Files.exists(socket), "the server removed its socket file when it stopped");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void echoServesNcAndPythonOverAUnixSocket(String backend) throws Exception {
        Path socket = dir.resolve("echo.sock");
        try (ExampleProcess server = ExampleProcess.start("io.jring.examples.echo.EchoServer", List.of(), Map.of(),
                "--unix", socket.toString(), "--backend", backend, "--threads", "2")) {
            server.awaitLine("backend=" + backend, Duration.ofSeconds(30));
            String nc = ExternalClients.run(List.of("nc", "-N", "-w", "10", "-U", socket.toString()),
                    "hello over AF_UNIX\n".getBytes(StandardCharsets.ISO_8859_1), 20);
            assertEquals("hello over AF_UNIX\n", nc);
            assertEquals("ok 4", pythonEcho(socket, 1, 16384, 300_000, 1 << 20));
        }
        assertFalse(Files.exists(socket), "the server removed its socket file when it stopped");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aStaleSocketFileStopsTheServerWithAClearLine(String backend) throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (var crashed = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            crashed.bind(java.net.UnixDomainSocketAddress.of(socket)); // closed without removing its file
        }
        try (ExampleProcess server = ExampleProcess.start("io.jring.examples.echo.EchoServer", List.of(), Map.of(),
                "--unix", socket.toString(), "--backend", backend)) {
            String output = server.awaitExit(Duration.ofSeconds(30));
            assertEquals(1, server.exitValue(), output);
            assertTrue(output.contains("EADDRINUSE") && output.contains("stale") && output.contains("rm " + socket), output);
        }
    }

    private static String curl(Path socket, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
                "--unix-socket", socket.toString()));
        command.addAll(List.of(args));
        return ExternalClients.run(command, new byte[0], 30);
    }

    private static String pythonEcho(Path socket, int... sizes) throws Exception {
        String script = """
                import os, socket, sys, threading
                # AF_UNIX buffers hold about 200 KiB: send from a thread while reading the echo,
                # or a large payload deadlocks both ends on full buffers.
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(20)
                    s.connect(sys.argv[1])
                    for n in map(int, sys.argv[2:]):
                        data = os.urandom(n)
                        writer = threading.Thread(target=s.sendall, args=(data,))
                        writer.start()
                        got = bytearray()
                        while len(got) < n:
                            chunk = s.recv(1 << 20)
                            if not chunk:
                                sys.exit("server closed early after %d of %d bytes" % (len(got), n))
                            got += chunk
                        writer.join()
                        if bytes(got) != data:
                            sys.exit("echo of %d bytes differs" % n)
                    print("ok", len(sys.argv) - 2)
                """;
        List<String> command = new java.util.ArrayList<>(List.of("python3", "-c", script, socket.toString()));
        for (int size : sizes) {
            command.add(Integer.toString(size));
        }
        return ExternalClients.run(command, new byte[0], 60).trim();
    }
}
