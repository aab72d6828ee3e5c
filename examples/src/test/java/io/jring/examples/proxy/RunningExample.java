package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An example started as its own process on {@code --port 0}, and the port its banner reports:
 * no port is picked in advance, so none can be taken by someone else in between.
 *
 * @param idleSockets the sockets it held once listening, before any client: its listening sockets
 */
record RunningExample(ExampleProcess process, int port, long idleSockets) implements AutoCloseable {
    static final String ECHO = "io.jring.examples.echo.EchoServer";
    static final String HTTP = "io.jring.examples.http.HttpServer";
    static final String PROXY = "io.jring.examples.proxy.ProxyServer";

    private static final Pattern BANNER_PORT = Pattern.compile("listening on \\S*:(\\d+) ");

    /** Starts {@code mainClass} on {@code backend} with two loops, and waits for its banner. */
    static RunningExample start(String mainClass, String backend, String... options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--backend", backend, "--threads", "2"));
        args.addAll(List.of(options));
        ExampleProcess process = ExampleProcess.start(mainClass, List.of(), Map.of(), args.toArray(String[]::new));
        try {
            String banner = process.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(banner.contains("backend=" + backend), banner);
            Matcher port = BANNER_PORT.matcher(banner);
            assertTrue(port.find(), "no port in the banner: " + banner);
            return new RunningExample(process, Integer.parseInt(port.group(1)), sockets(process.pid()));
        } catch (AssertionError | InterruptedException e) {
            process.close();
            throw e;
        }
    }

    /** A proxy on {@code backend} forwarding to {@code 127.0.0.1:upstreamPort}. */
    static RunningExample proxy(String backend, int upstreamPort, String... options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--upstream", "127.0.0.1:" + upstreamPort));
        args.addAll(List.of(options));
        return start(PROXY, backend, args.toArray(String[]::new));
    }

    /** Sockets the process holds right now: its listening sockets, plus two per live proxy session. */
    long openSockets() throws IOException {
        return sockets(process.pid());
    }

    private static long sockets(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while we looked
                }
            }).count();
        }
    }

    /**
     * Waits (bounded) until the process holds as many sockets as when it was idle: every
     * connection it had is closed, for a proxy both sides of every session. Fails saying how many
     * it still holds.
     */
    void awaitIdle(String why) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long now;
        while ((now = openSockets()) != idleSockets) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(why + ": the process holds " + now + " sockets, " + idleSockets + " when idle");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
