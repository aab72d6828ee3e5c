package io.jring.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Clients nobody here wrote: nc and a Python socket script, run as processes. */
public final class ExternalClients {
    private ExternalClients() {}

    /** Runs a command with {@code input} on stdin; returns stdout; fails on a non-zero exit or a hang. */
    public static String run(List<String> command, byte[] input, int timeoutSeconds) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new AssertionError(command.getFirst() + " is not installed (apt-get install netcat-openbsd python3): "
                    + e.getMessage(), e);
        }
        try (var stdin = process.getOutputStream()) {
            stdin.write(input);
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
        }
        assertEquals(0, process.exitValue(), command + " failed");
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** nc sends stdin, half-closes (-N) and prints what comes back until the server closes. */
    public static String nc(int port, String text) throws IOException, InterruptedException {
        return run(List.of("nc", "-N", "-w", "10", "127.0.0.1", Integer.toString(port)),
                text.getBytes(StandardCharsets.ISO_8859_1), 20);
    }

    /** A Python client that sends random payloads of the given sizes and checks every echoed byte. */
    public static String pythonEcho(int port, int... sizes) throws IOException, InterruptedException {
        String script = """
                import os, socket, sys
                port = int(sys.argv[1])
                with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
                    for n in map(int, sys.argv[2:]):
                        data = os.urandom(n)
                        s.sendall(data)
                        got = bytearray()
                        while len(got) < n:
                            chunk = s.recv(1 << 20)
                            if not chunk:
                                sys.exit("server closed early after %d of %d bytes" % (len(got), n))
                            got += chunk
                        if bytes(got) != data:
                            sys.exit("echo of %d bytes differs" % n)
                    print("ok", len(sys.argv) - 2)
                """;
        List<String> command = new java.util.ArrayList<>(List.of("python3", "-c", script, Integer.toString(port)));
        for (int size : sizes) {
            command.add(Integer.toString(size));
        }
        return run(command, new byte[0], 60).trim();
    }
}
