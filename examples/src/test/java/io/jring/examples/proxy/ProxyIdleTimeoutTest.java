package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --idle-timeout-ms}: a session where no bytes move either way for that long is closed on
 * both sides with one log line, whichever side went silent; a session where bytes move, even in
 * one direction only, is left alone. The test plays the upstream on a plain JDK socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyIdleTimeoutTest {
    private static final int IDLE_TIMEOUT_MS = 1_000;

    private final ServerSocket upstream = Loopback.listen(50, 0);
    private final PerBackend<RunningExample> proxies = new PerBackend<>(
            b -> RunningExample.proxy(b, upstream.getLocalPort(), "--idle-timeout-ms", Integer.toString(IDLE_TIMEOUT_MS)));

    ProxyIdleTimeoutTest() throws Exception {}

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
    void aSilentClientIsClosedOnBothSides(String backend) throws Exception {
        RunningExample proxy = proxies.get(backend);
        try (Socket client = Loopback.connect(proxy.port()); Socket server = Loopback.accept(upstream)) {
            // Nobody says anything. Both ends must see the proxy close, within the sockets' patience.
            Loopback.assertEnds(server, "the upstream of a silent session");
            Loopback.assertEnds(client, "the client of a silent session");
            proxy.awaitIdle("after a silent session timed out");
            assertOneIdleLine(proxy, client);
        }
        Loopback.assertServes(proxy.port(), upstream);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aSilentUpstreamIsClosedOnBothSides(String backend) throws Exception {
        RunningExample proxy = proxies.get(backend);
        try (Socket client = Loopback.connect(proxy.port()); Socket server = Loopback.accept(upstream)) {
            Loopback.pass("a request that gets no answer", client, server);
            Loopback.assertEnds(client, "the client of a session whose upstream went silent");
            Loopback.assertEnds(server, "the silent upstream");
            proxy.awaitIdle("after a session with a silent upstream timed out");
            assertOneIdleLine(proxy, client);
        }
        Loopback.assertServes(proxy.port(), upstream);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void bytesInOneDirectionKeepASessionOpen(String backend) throws Exception {
        RunningExample proxy = proxies.get(backend);
        String session;
        try (Socket client = Loopback.connect(proxy.port()); Socket server = Loopback.accept(upstream)) {
            session = sessionName(client);
            // Three idle timeouts' worth of a slow download: the client never sends a byte.
            for (int i = 0; i < 30; i++) {
                Loopback.pass("tick " + i, server, client);
                Thread.sleep(IDLE_TIMEOUT_MS / 10);
            }
            Loopback.pass("still open", client, server);
            Loopback.pass("both ways", server, client);
        }
        proxy.awaitIdle("after the session ended by our close");
        assertEquals(0, linesAbout(proxy, session), "a session with bytes moving was closed as idle:\n"
                + proxy.process().outputSoFar());
    }

    /** Exactly one line about this session (named by the client's port), and it says why. */
    private void assertOneIdleLine(RunningExample proxy, Socket client) throws InterruptedException {
        String session = sessionName(client);
        String line = proxy.process().awaitLine(session, Duration.ofSeconds(10));
        if (!line.contains("no bytes either way for ") || !line.endsWith("closed both sides")) {
            throw new AssertionError("unexpected line for the idle session: " + line);
        }
        Thread.sleep(200); // a second line, had there been one, would have come with the first
        assertEquals(1, linesAbout(proxy, session), "lines about the session:\n" + proxy.process().outputSoFar());
    }

    /** How the proxy's log lines name a session: by the client's address, which holds its port. */
    private static String sessionName(Socket client) {
        return ":" + client.getLocalPort() + " -> ";
    }

    private static long linesAbout(RunningExample proxy, String session) {
        return proxy.process().outputSoFar().lines().filter(l -> l.contains(session)).count();
    }
}
