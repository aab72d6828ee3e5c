package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fd spike: more clients than RLIMIT_NOFILE lets the server hold. The server (a child JVM
 * under {@code prlimit --nofile}, two loops, an echo server on onAccept or accept()) must log the shortage once, keep
 * serving what it holds, and once clients leave accept the connections that waited in the
 * backlog meanwhile (no new readiness event comes for those on edge-triggered epoll, and the
 * kernel ended the multishot accept on io_uring) and new ones, and serve them all.
 */
public abstract class FdSpikeContract extends RuntimeTestBase {
    private static final int LIMIT = 256;
    /** Twice the limit: whatever the JVM itself holds, the last ones cannot be accepted during the spike. */
    private static final int CLIENTS = 2 * LIMIT;
    /** Clients kept open through the spike: they arrived past the limit and wait in the backlog. */
    private static final int LATE = 50;

    /**
     * {@code onAccept}; {@code accept} with one socket per loop (accepts armed by the listener);
     * {@code accept-shared}, one socket for both loops, each with an accept armed on it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"onAccept", "accept", "accept-shared"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void acceptSurvivesRunningOutOfDescriptors(String mode) throws Exception {
        List<String> prlimit = List.of("prlimit", "--nofile=" + LIMIT + ":" + LIMIT, "--");
        try (ChildJvm child = ChildJvm.startUnder(prlimit, FdSpikeMain.class, backend().name(), "2", mode)) {
            try {
                spike(child);
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(e + "\nthe server's stderr:\n" + child.stderr(), e);
            }
        }
    }

    private void spike(ChildJvm child) throws Exception {
        {
            String port = child.readLine();
            assertNotNull(port, child::stderr);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(port.substring("port ".length())));
            List<PeerSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(PeerSocket.connect(address)); // the kernel completes the handshake into the backlog
                }
                awaitStderr(child, "paused: ");
                assertEchoes(clients.getFirst(), "held through the spike");
                for (PeerSocket early : clients.subList(0, CLIENTS - LATE)) {
                    early.close();
                }
                for (PeerSocket late : clients.subList(CLIENTS - LATE, CLIENTS)) {
                    assertEchoes(late, "waited in the backlog");
                }
                for (int i = 0; i < 20; i++) {
                    try (PeerSocket fresh = PeerSocket.connect(address)) {
                        assertEchoes(fresh, "new " + i);
                    }
                }
            } finally {
                for (PeerSocket client : clients) {
                    client.close();
                }
            }

            child.writeLine("close");
            assertEquals("accepting before close: running", child.readLine(), child::stderr);
            assertEquals("accepting ended: normally", child.readLine(), child::stderr);
            assertEquals("closed", child.readLine(), child::stderr);
            assertEquals(0, child.waitFor(30), child::stderr);

            String err = child.stderr();
            List<String> warnings = err.lines().filter(line -> line.contains("paused: ")).toList();
            assertEquals(1, warnings.size(), () -> "one warning per episode:\n" + err);
            String call = backend() == Backend.IO_URING ? "io_uring accept" : "accept4";
            String warning = warnings.getFirst();
            assertTrue(warning.startsWith("WARNING") && warning.contains(call + ": EMFILE")
                    && warning.contains("RLIMIT_NOFILE") && warning.contains("ulimit -n"), warning);
            assertEquals(1, err.lines().filter(line -> line.contains("resumed after")).count(), err);
            assertTrue(!err.contains("crashed") && !err.contains("Exception in thread"), err);
        }
    }

    private static void assertEchoes(PeerSocket client, String text) throws IOException {
        client.write(text);
        assertEquals(text, client.readString(text.length()));
    }

    /** Waits until the child has written {@code text} to stderr; fails, with that stderr, after a minute. */
    private static void awaitStderr(ChildJvm child, String text) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!child.stderr().contains(text)) {
            if (System.nanoTime() - giveUp > 0) {
                throw new AssertionError("the server never logged '" + text + "' with " + CLIENTS
                        + " clients and RLIMIT_NOFILE " + LIMIT + "; its stderr:\n" + child.stderr());
            }
            Thread.sleep(20);
        }
    }
}
