package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a session ends, with the test playing the upstream on a plain JDK socket: a half-close is
 * passed on and the other direction keeps flowing; a reset on either side closes the other; the
 * proxy holds no socket of a session once it ended, and keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyConnectionEndsTest {
    private final ServerSocket upstream = Loopback.listen(50, 0);
    private final PerBackend<RunningExample> proxies = new PerBackend<>(b -> RunningExample.proxy(b, upstream.getLocalPort()));

    ProxyConnectionEndsTest() throws Exception {}

    @AfterAll
    void stop() throws Exception {
        try {
            proxies.close();
        } finally {
            upstream.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void halfCloseTravelsAndTheAnswerStillComesBack(String backend) throws Exception {
        RunningExample proxy = proxies.get(backend);
        try (Socket client = Loopback.connect(proxy.port()); Socket server = Loopback.accept(upstream)) {
            client.getOutputStream().write("the whole request".getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            // readAllBytes returns only at end of stream: the client's FIN reached the upstream.
            assertEquals("the whole request", text(server.getInputStream().readAllBytes()));

            server.getOutputStream().write("an answer after the request ended".getBytes(StandardCharsets.UTF_8));
            server.shutdownOutput();
            assertEquals("an answer after the request ended", text(client.getInputStream().readAllBytes()));

            // Both directions ended: the proxy closes both of its sockets by itself, before we close ours.
            proxy.awaitIdle("after both sides half-closed");
        }
        Loopback.assertServes(proxy.port(), upstream);
        proxy.awaitIdle("after a plain exchange");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void upstreamResetClosesTheClient(String backend) throws Exception {
        RunningExample proxy = proxies.get(backend);
        try (Socket client = Loopback.connect(proxy.port()); Socket server = Loopback.accept(upstream)) {
            Loopback.pass("hello", client, server);
            server.setSoLinger(true, 0);
            server.close(); // RST instead of FIN
            assertEquals(-1, client.getInputStream().read(), "the client's connection ends");
            proxy.awaitIdle("after the upstream reset");
        }
        proxy.process().awaitLine("ECONNRESET", Duration.ofSeconds(10));
        Loopback.assertServes(proxy.port(), upstream);
        proxy.awaitIdle("after a plain exchange");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void clientResetClosesTheUpstream(String backend) throws Exception {
        RunningExample proxy = proxies.get(backend);
        try (Socket client = Loopback.connect(proxy.port()); Socket server = Loopback.accept(upstream)) {
            Loopback.pass("hello", client, server);
            client.setSoLinger(true, 0);
            client.close();
            assertEquals(-1, server.getInputStream().read(), "the upstream's connection ends");
            proxy.awaitIdle("after the client reset");
        }
        proxy.process().awaitLine("ECONNRESET", Duration.ofSeconds(10));
        Loopback.assertServes(proxy.port(), upstream);
        proxy.awaitIdle("after a plain exchange");
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
