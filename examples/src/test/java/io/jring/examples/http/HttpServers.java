package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The http example running as its own process, one per backend, started on first use and shared
 * by a test class's tests; with a document root of known files, and a secret file outside it that
 * a symlink inside points to.
 */
final class HttpServers implements AutoCloseable {
    static final String MAIN = "io.jring.examples.http.HttpServer";

    final Path base;
    final Path root;
    final Path secret;
    private final List<String> options;
    private final Map<String, Running> running = new HashMap<>();

    private record Running(ExampleProcess process, int port) {}

    /** {@code options} are added to {@code --port --backend --threads 2 --root}. */
    HttpServers(String... options) throws IOException {
        this.options = List.of(options);
        base = Files.createTempDirectory("jring-http-test");
        root = Files.createDirectory(base.resolve("www"));
        secret = Files.writeString(base.resolve("secret.txt"), "top secret, outside the root\n");
        Files.writeString(root.resolve("index.html"), "<!doctype html><title>jring</title><p>It works.</p>\n");
        Files.writeString(root.resolve("notes.txt"), "plain text, nothing more\n");
        Files.write(root.resolve("data.bin"), randomBytes(100_003, 1));
        Files.write(root.resolve("big.bin"), randomBytes(2 << 20, 2));
        Files.createSymbolicLink(root.resolve("escape.txt"), secret);
        Files.createSymbolicLink(root.resolve("outside"), base);
    }

    /** The port of the server on {@code backend}, started now if it is not running yet. */
    int port(String backend) {
        Running r = running.get(backend);
        if (r == null) {
            try {
                int port = ExampleProcess.freePort();
                List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--backend", backend,
                        "--threads", "2", "--root", root.toString()));
                args.addAll(options);
                ExampleProcess process = ExampleProcess.start(MAIN, List.of(), Map.of(), args.toArray(String[]::new));
                String ready = process.awaitLine("backend=", Duration.ofSeconds(30));
                assertTrue(ready.contains("backend=" + backend), ready);
                r = new Running(process, port);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            running.put(backend, r);
        }
        return r.port();
    }

    /** The process id of the server on {@code backend} (started now if it is not running yet), for /proc. */
    long pid(String backend) {
        port(backend);
        return running.get(backend).process().pid();
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Override
    public void close() throws IOException {
        for (Running r : running.values()) {
            try {
                r.process().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        running.clear();
        try (Stream<Path> paths = Files.walk(base)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
