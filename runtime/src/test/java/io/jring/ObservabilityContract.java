package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * What jring tells about itself: {@link IoRuntime#stats()} and the {@code jring.*} JFR events,
 * after real round trips over loopback sockets. The JFR events are recorded in this JVM and
 * read back from a dump with {@code jdk.jfr.consumer}; a child JVM without the jdk.jfr module
 * proves that JFR stays optional.
 */
public abstract class ObservabilityContract extends RuntimeTestBase {
    private static final int CLIENTS = 3;
    private static final int ROUND_TRIPS = 20;

    /** Opens {@link #CLIENTS} plain sockets to an echo service and makes {@link #ROUND_TRIPS} round trips on each. */
    private List<PeerSocket> echoRoundTrips(IoRuntime runtime) throws Exception {
        EchoService echo = EchoService.start(runtime);
        List<PeerSocket> peers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            peers.add(closeLater(PeerSocket.connect(echo.address())));
        }
        for (int i = 0; i < ROUND_TRIPS; i++) {
            for (PeerSocket peer : peers) {
                String message = "m" + i;
                peer.write(message);
                assertEquals(message, peer.readString(message.length()));
            }
        }
        Await.until(() -> runtime.stats().connections() == CLIENTS, 10_000,
                () -> "stats count " + runtime.stats().connections() + " connections, expected " + CLIENTS);
        return peers;
    }

    @Test
    void statsCountTheKernelWorkAndTheConnections() throws Exception {
        IoRuntime runtime = open(2);
        RuntimeStats before = runtime.stats();
        assertEquals(backend(), before.backend());
        assertEquals(2, before.loops().size());
        assertEquals(0, before.connections());

        List<PeerSocket> peers = echoRoundTrips(runtime);
        RuntimeStats after = runtime.stats();
        int messages = CLIENTS * ROUND_TRIPS;
        // Each message is one recv result and one send: at least one submission per send and
        // one completion per recv and per send, on either backend.
        assertTrue(after.sqesSubmitted() >= messages, () -> "submitted: " + after);
        assertTrue(after.cqesReaped() >= 2L * messages, () -> "completed: " + after);
        for (LoopStats loop : after.loops()) {
            assertEquals(backend(), loop.backend());
            assertTrue(loop.name().startsWith("jring-" + backend().label() + "-"), loop.name());
            assertTrue(loop.enterCalls() > 0, () -> "every loop waits in the kernel at least once: " + loop);
            assertTrue(loop.bufferMemory() > 0, () -> "each loop maps its first slab: " + loop);
            assertEquals(0, loop.cqOverflows(), () -> "no overflow at this load: " + loop);
            assertEquals(0, loop.poolRefusals(), loop::toString);
        }
        // Both read the same pools; a block may move between the two reads, so agree once settled.
        Await.until(() -> runtime.stats().buffersInUse() == runtime.buffersInUse(), 10_000,
                () -> "stats().buffersInUse() " + runtime.stats().buffersInUse() + " vs " + runtime.buffersInUse());
        LoopStats first = before.loops().getFirst();
        LoopStats later = after.loops().getFirst();
        assertTrue(later.sqesSubmitted() >= first.sqesSubmitted() && later.cqesReaped() >= first.cqesReaped()
                && later.enterCalls() >= first.enterCalls(), "counts only grow");

        for (PeerSocket peer : peers) {
            peer.close();
        }
        Await.until(() -> runtime.stats().connections() == 0, 10_000,
                () -> "connections after the peers left: " + runtime.stats());
        runtime.close();
        RuntimeStats closed = runtime.stats();
        assertTrue(closed.cqesReaped() >= after.cqesReaped(), "after close, stats keep the final counts");
    }

    @Test
    void jfrRecordsTheBackendAndEachLoopsStatistics() throws Exception {
        List<RecordedEvent> events;
        RuntimeStats stats;
        try (JfrCapture capture = JfrCapture.start()) {
            IoRuntime runtime = open(2);
            echoRoundTrips(runtime);
            stats = runtime.stats();
            events = capture.stopAndRead(); // the loops and connections are still open
        }
        int number = stats.runtime();

        List<RecordedEvent> selected = JfrCapture.named(events, "jring.BackendSelected").stream()
                .filter(e -> e.getInt("runtime") == number).toList();
        assertEquals(1, selected.size(), () -> "one jring.BackendSelected for runtime " + number + ": " + events);
        RecordedEvent backendEvent = selected.getFirst();
        assertEquals(backend().label(), backendEvent.getString("backend"));
        assertEquals(2, backendEvent.getInt("loops"));
        String reason = backendEvent.getString("fallbackReason");
        String settings = backendEvent.getString("settings");
        if (backend() == Backend.EPOLL) {
            assertEquals("forced by options", reason, "the test forces epoll through IoRuntimeOptions");
            assertTrue(settings.startsWith("epoll"), settings);
        } else {
            assertEquals("", reason, "io_uring is no fallback");
            assertTrue(settings.startsWith("io_uring flags="), settings);
        }

        // The latest sample of each loop of this runtime. Counters only grow, so the latest is the one
        // with the most io_uring_enter calls: two samples can carry the same start time (the periodic
        // one and the one at the recording's end), so time alone cannot order them.
        Map<String, RecordedEvent> lastPerLoop = new LinkedHashMap<>();
        JfrCapture.named(events, "jring.LoopStatistics").stream()
                .filter(e -> e.getInt("runtime") == number)
                .forEach(e -> lastPerLoop.merge(e.getString("loop"), e,
                        (a, b) -> b.getLong("enterCalls") >= a.getLong("enterCalls") ? b : a));
        assertEquals(stats.loops().stream().map(LoopStats::name).sorted().toList(),
                lastPerLoop.keySet().stream().sorted().toList(),
                () -> "one jring.LoopStatistics per loop: " + events);
        long submitted = 0;
        long completed = 0;
        int connections = 0;
        for (RecordedEvent e : lastPerLoop.values()) {
            assertEquals(backend().label(), e.getString("backend"));
            assertTrue(e.getLong("enterCalls") > 0, e::toString);
            assertTrue(e.getLong("bufferMemory") > 0, e::toString);
            assertTrue(e.getInt("buffersInUse") >= 0, e::toString);
            submitted += e.getLong("sqesSubmitted");
            completed += e.getLong("cqesReaped");
            connections += e.getInt("connections");
        }
        int messages = CLIENTS * ROUND_TRIPS;
        long submittedTotal = submitted;
        long completedTotal = completed;
        assertTrue(submittedTotal >= messages, () -> "sqesSubmitted over the loops: " + submittedTotal);
        assertTrue(completedTotal >= 2L * messages, () -> "cqesReaped over the loops: " + completedTotal);
        assertTrue(submittedTotal >= stats.sqesSubmitted(), "the sample at the stop comes after stats()");
        assertEquals(CLIENTS, connections, "the connections open when the recording stopped");
    }

    @Test
    void aBlockedLoopIsRecordedWithTheStackItIsHeldIn() throws Exception {
        Duration threshold = Duration.ofMillis(100);
        Logger logger = Logger.getLogger("io.jring");
        CountDownLatch warned = new CountDownLatch(1);
        Handler watch = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains("has been held for")) {
                    warned.countDown();
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(watch);
        List<RecordedEvent> events;
        String loopName;
        try (JfrCapture capture = JfrCapture.start()) {
            IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(1).withBlockedLoopThreshold(threshold));
            Pair pair = accepted(runtime);
            loopName = runtime.stats().loops().getFirst().name();
            CountDownLatch release = new CountDownLatch(1);
            pair.connection().recv().thenAccept(buffer -> {
                buffer.release();
                holdTheLoopForJfr(release);
            });
            pair.peer().write("x");
            try {
                // The watchdog commits the event before it logs: once logged, it is in the recording.
                assertTrue(warned.await(20, TimeUnit.SECONDS), "the watchdog never reported the held loop");
            } finally {
                release.countDown();
            }
            events = capture.stopAndRead();
        } finally {
            logger.removeHandler(watch);
        }
        List<RecordedEvent> blocked = JfrCapture.named(events, "jring.BlockedLoop").stream()
                .filter(e -> e.getString("loop").equals(loopName)).toList();
        assertFalse(blocked.isEmpty(), () -> "no jring.BlockedLoop for " + loopName + ": " + events);
        RecordedEvent event = blocked.getFirst();
        assertTrue(event.getDuration("heldFor").compareTo(threshold) >= 0, event::toString);
        assertEquals(threshold, event.getDuration("threshold"));
        String stack = event.getString("stack");
        assertTrue(stack.contains("holdTheLoopForJfr") && stack.contains("CountDownLatch.await"),
                () -> "the stack the loop is held in: " + stack);
    }

    private static void holdTheLoopForJfr(CountDownLatch release) {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A JVM without jdk.jfr (as a jlinked image may be: {@code --limit-modules} leaves it out)
     * opens a runtime, serves a round trip and reads stats(): the events switch off, nothing else.
     */
    @Test
    void runsWithoutTheJfrModule() throws Exception {
        try (ChildJvm child = ChildJvm.startUnder(List.of(), List.of("--limit-modules", "java.base,java.logging"),
                NoJfrMain.class, backend().name())) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = child.readLine()) != null) {
                lines.add(line);
            }
            int exit = child.waitFor(30);
            String report = "stdout: " + lines + "\nstderr: " + child.stderr();
            assertEquals(0, exit, report);
            assertTrue(lines.contains("jdk.jfr present: false"), report);
            assertTrue(lines.contains("echoed: ping"), report);
            assertTrue(lines.contains("connections: 2"), report);
        }
    }
}
