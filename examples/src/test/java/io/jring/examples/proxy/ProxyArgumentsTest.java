package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A wrong or missing --upstream ends the proxy at once, with one line that says what to write instead. */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyArgumentsTest {
    @Test
    void upstreamForms() {
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), ProxyServer.parseUpstream("127.0.0.1:8080"));
        assertEquals(new InetSocketAddress("::1", 7000), ProxyServer.parseUpstream("[::1]:7000"));
        assertEquals(8080, ProxyServer.parseUpstream("localhost:8080").getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", ":8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:0",
        "127.0.0.1:65536", "::1:8080", "[::1]"})
    void malformedUpstreamIsRefused(String upstream) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ProxyServer.parseUpstream(upstream));
        assertTrue(error.getMessage().startsWith("--upstream"), error.getMessage());
        assertTrue(error.getMessage().contains(upstream), error.getMessage());
    }

    @Test
    void missingUpstreamIsOneLineAndExitStatus1() throws Exception {
        assertOneLineError("proxy: --upstream HOST:PORT is required", "--port", "0");
    }

    @Test
    void malformedUpstreamIsOneLineAndExitStatus1() throws Exception {
        assertOneLineError("proxy: --upstream port must be a number from 1 to 65535; got '127.0.0.1:99999'",
                "--port", "0", "--upstream", "127.0.0.1:99999");
    }

    private static void assertOneLineError(String expectedStart, String... args) throws Exception {
        try (ExampleProcess proxy = ExampleProcess.start(RunningExample.PROXY, List.of(), Map.of(), args)) {
            String output = proxy.awaitExit(Duration.ofSeconds(60));
            assertEquals(1, proxy.exitValue(), output);
            assertTrue(output.startsWith(expectedStart) && output.lines().count() == 1, output);
        }
    }
}
