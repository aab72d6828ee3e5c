package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The http example behind the proxy, spoken to by curl and wrk. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyHttpTest {
    private final PerBackend<ProxiedExample> http = new PerBackend<>(b -> ProxiedExample.start(RunningExample.HTTP, b));

    @TempDir
    Path files;

    @AfterAll
    void stop() throws Exception {
        http.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void keepAliveCarriesTwoRequestsOverOneProxiedConnection(String backend) throws Exception {
        String base = "http://127.0.0.1:" + http.get(backend).port();
        // num_connects is 0 for the second URL: curl reused the connection, so the proxy kept the
        // session open between the two exchanges.
        String out = ProxyClients.curl("-w", "\n[%{http_code} %{num_connects}]\n", base + "/", base + "/json");
        assertEquals("Hello, World!\n[200 1]\n{\"message\":\"Hello, World!\"}\n[200 0]\n", out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void binaryBodyIsEchoedByteExact(String backend) throws Exception {
        String base = "http://127.0.0.1:" + http.get(backend).port();
        byte[] body = new byte[900_001]; // under the http example's 1 MiB body limit
        new Random(7).nextBytes(body);
        Path sent = Files.write(files.resolve("body-" + backend + ".bin"), body);
        Path received = files.resolve("echoed-" + backend + ".bin");
        String status = ProxyClients.curl("--data-binary", "@" + sent, "-H", "Content-Type: application/octet-stream",
                "-o", received.toString(), "-w", "%{http_code}", base + "/echo");
        assertEquals("200", status);
        assertArrayEquals(body, Files.readAllBytes(received));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void wrkSeesNoErrors(String backend) throws Exception {
        ProxiedExample chain = http.get(backend);
        String report = ProxyClients.wrk("-t1", "-c16", "-d2s", "http://127.0.0.1:" + chain.port() + "/");
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(report);
        assertTrue(requests.find(), report);
        assertTrue(Long.parseLong(requests.group(1)) > 100, report);
        assertFalse(report.contains("Socket errors"), report);
        assertFalse(report.contains("Non-2xx"), report);
        chain.proxy().awaitIdle("after wrk closed its 16 connections");
    }
}
