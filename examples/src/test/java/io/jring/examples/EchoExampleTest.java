package io.jring.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The echo example as a user runs it, served to nc and to a Python client, on both backends. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EchoExampleTest {
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void servesNcAndPython(String backend) throws Exception {
        int port = ExampleProcess.freePort();
        try (ExampleProcess server = ExampleProcess.start("io.jring.examples.echo.EchoServer", List.of(), Map.of(),
                "--port", Integer.toString(port), "--backend", backend, "--threads", "2")) {
            String ready = server.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("backend=" + backend), ready);

            assertEquals("hello, jring\nsecond line\n", ExternalClients.nc(port, "hello, jring\nsecond line\n"));
            assertEquals("ok 6", ExternalClients.pythonEcho(port, 1, 64, 1000, 65536, 300_000, 1 << 20));
        }
    }
}
