package io.jring.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An example (or doctor) running as its own JVM, the way a user starts it: same JDK, same
 * class path, stdout and stderr merged and collected line by line. Closing it kills the process.
 */
public final class ExampleProcess implements AutoCloseable {
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private ExampleProcess(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process died; whatever it printed is already queued
            } finally {
                drained.complete(null);
            }
        });
    }

    /**
     * Starts {@code mainClass} with JVM {@code properties} (name=value) and extra environment.
     * The child never inherits JRING_REQUIRE_URING or JRING_BACKEND from CI unless given here.
     */
    public static ExampleProcess start(String mainClass, List<String> properties, Map<String, String> env, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        for (String property : properties) {
            command.add("-D" + property);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JRING_REQUIRE_URING");
        builder.environment().remove("JRING_BACKEND");
        builder.environment().putAll(env);
        return new ExampleProcess(builder.start());
    }

    /** Waits for a line containing {@code text}; fails with everything printed so far. */
    public String awaitLine(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new AssertionError("no line containing '" + text + "' within " + timeout
                        + (process.isAlive() ? "" : " (process exited " + process.exitValue() + ")")
                        + "; output so far:\n" + String.join("\n", seen));
            }
            seen.add(line);
            if (line.contains(text)) {
                return line;
            }
        }
    }

    /** Waits for the process to exit and returns everything it printed. */
    public String awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not exit within " + timeout + "; output:\n" + output());
        }
        drained.orTimeout(10, TimeUnit.SECONDS).join();
        return output();
    }

    public int exitValue() {
        return process.exitValue();
    }

    /** Everything printed so far, without waiting and without consuming lines {@link #awaitLine} has not seen. */
    public String outputSoFar() {
        List<String> all = new ArrayList<>(seen);
        all.addAll(lines);
        return String.join("\n", all);
    }

    /** The process id, to look at what it holds under /proc. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private String output() {
        lines.drainTo(seen);
        return String.join("\n", seen);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the examples stop cleanly on it, like on Ctrl-C
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** A port that was free a moment ago (the OS hands out ephemeral ports in sequence). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
