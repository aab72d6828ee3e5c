package io.jring.examples.echovt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import io.jring.examples.ExternalClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The virtual-thread echo example as a user runs it, on both backends: nc, a Python client
 * (which sends each payload whole before reading, so up to 1 MiB: beyond what the socket
 * buffers hold, any echo server and that client wait on each other), 300 Python clients at once
 * sending and reading together (one of them 10 MiB), and a clean stop on SIGTERM.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EchoVtExampleTest {
    /** Opens every connection first, then echoes a different payload on each, all at once. */
    private static final String MANY_CLIENTS = """
            import os, socket, sys, threading
            port, count = int(sys.argv[1]), int(sys.argv[2])
            socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]
            bad = []
            def run(i, s):
                try:
                    data = os.urandom(10 << 20 if i == 0 else 1 + (i * 7919) % 200000)
                    sender = threading.Thread(target=s.sendall, args=(data,))
                    sender.start()
                    got = bytearray()
                    while len(got) < len(data):
                        chunk = s.recv(1 << 16)
                        if not chunk:
                            break
                        got += chunk
                    sender.join()
                    s.shutdown(socket.SHUT_WR)
                    if bytes(got) != data or s.recv(1) != b"":
                        bad.append(i)
                except Exception as e:
                    bad.append((i, repr(e)))
                finally:
                    s.close()
            threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(socks)]
            for t in threads: t.start()
            for t in threads: t.join()
            print("ok %d bad %s" % (count - len(bad), bad[:3]))
            """;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void servesNcPythonAndManyClientsThenStopsOnSigterm(String backend) throws Exception {
        int port = ExampleProcess.freePort();
        ExampleProcess server = ExampleProcess.start("io.jring.examples.echovt.EchoVtServer", List.of(), Map.of(),
                "--port", Integer.toString(port), "--backend", backend, "--threads", "2");
        try (server) {
            String ready = server.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("echo-vt listening") && ready.contains("backend=" + backend), ready);

            assertEquals("hello, virtual threads\nsecond line\n",
                    ExternalClients.nc(port, "hello, virtual threads\nsecond line\n"));
            assertEquals("ok 6", ExternalClients.pythonEcho(port, 1, 64, 1000, 65536, 300_000, 1 << 20));
            String many = ExternalClients.run(List.of("python3", "-c", MANY_CLIENTS, Integer.toString(port), "300"),
                    new byte[0], 120);
            assertEquals("ok 300 bad []", many.trim());
        }
        assertFalse(server.isAlive(), "echo-vt did not stop on SIGTERM");
        // 143 is the JVM's exit after SIGTERM once its shutdown hooks are done; a hook stuck past
        // the 15 s grace would have been killed (137).
        assertEquals(143, server.exitValue(), () -> "echo-vt exit: " + server.outputSoFar());
    }
}
