package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The blocked-loop detector: a callback holding a loop thread past the threshold is logged once
 * as a WARNING with the loop's stack (and at INFO when it lets go); a loop waiting for work is
 * never reported; other loops serve on meanwhile. The runtime logs through System.Logger,
 * which goes to java.util.logging here, so a handler on "io.jring" sees every line.
 */
public abstract class BlockedLoopContract extends RuntimeTestBase {
    private static final Duration THRESHOLD = Duration.ofMillis(200);

    /** Held strongly: java.util.logging keeps loggers only weakly. */
    private Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLog() {
        logger = Logger.getLogger("io.jring");
        logger.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        logger.removeHandler(capture);
    }

    @Test
    void aBlockingStageIsReportedOnceWithItsStackWhileOtherLoopsServe() throws Exception {
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(2).withBlockedLoopThreshold(THRESHOLD));
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.getLocalPort());
            Connection blocked = Await.get(runtime.connect(address)); // connects go round robin over the loops
            PeerSocket blockedPeer = closeLater(PeerSocket.wrap(server.accept()));
            Connection other = Await.get(runtime.connect(address));
            PeerSocket otherPeer = closeLater(PeerSocket.wrap(server.accept()));
            assertNotSame(blocked.executor(), other.executor(), "the two connections must live on different loops");
            String blockedLoop = loopThreadName(blocked);
            String otherLoop = loopThreadName(other);

            CountDownLatch release = new CountDownLatch(1);
            blocked.recv().thenAccept(buffer -> {
                buffer.release();
                holdTheLoopThread(release);
            });
            blockedPeer.write("x");
            Await.until(() -> !warningsAbout(blockedLoop).isEmpty(), 10_000,
                    () -> "no WARNING about " + blockedLoop + "; log: " + messages());

            // The other loop serves while the first one is held.
            Await.get(other.send("ping".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("ping", otherPeer.readString(4));
            otherPeer.write("pong");
            assertEquals("pong", new String(Await.get(ApiIo.readExactly(other, 4)), StandardCharsets.US_ASCII));

            // Several more looks at the same stall (4 thresholds), then let go.
            Thread.sleep(4 * THRESHOLD.toMillis());
            release.countDown();
            Await.until(() -> messages().stream().anyMatch(m -> m.contains(blockedLoop) && m.contains("running again")),
                    10_000, () -> "no INFO once " + blockedLoop + " was let go; log: " + messages());

            List<LogRecord> warnings = warningsAbout(blockedLoop);
            assertEquals(1, warnings.size(), () -> "one WARNING per stall, got: " + messages());
            String warning = warnings.getFirst().getMessage();
            assertTrue(warning.contains("holdTheLoopThread") && warning.contains("CountDownLatch.await"),
                    () -> "the WARNING must show the stack the loop is stuck in: " + warning);
            assertTrue(warning.contains("threshold 200 ms") && warning.contains("thenAcceptAsync"), warning);
            assertTrue(warningsAbout(otherLoop).isEmpty(), () -> "the other loop was never held: " + messages());

            // The held loop serves again.
            blockedPeer.write("y");
            assertEquals("y", new String(Await.get(ApiIo.readExactly(blocked, 1)), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aStageThatComputesIsReportedToo() throws Exception {
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(1).withBlockedLoopThreshold(THRESHOLD));
        Pair pair = accepted(runtime);
        String loop = loopThreadName(pair.connection());
        CountDownLatch release = new CountDownLatch(1);
        pair.connection().recv().thenAccept(buffer -> {
            buffer.release();
            spinOnTheLoopThread(release);
        });
        pair.peer().write("x");
        Await.until(() -> !warningsAbout(loop).isEmpty(), 10_000, () -> "no WARNING about " + loop + "; log: " + messages());
        release.countDown();
        assertTrue(warningsAbout(loop).getFirst().getMessage().contains("spinOnTheLoopThread"), messages()::toString);
        Await.get(pair.connection().send("after".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("after", pair.peer().readString(5));
    }

    @Test
    void aLoopWaitingForWorkIsNeverReported() throws Exception {
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(2).withBlockedLoopThreshold(Duration.ofMillis(50)));
        Pair pair = accepted(runtime);
        CompletableFuture<IoBuffer> waiting = pair.connection().recv(); // one loop waits for data, the other for nothing
        Thread.sleep(600); // 12 thresholds of idleness
        List<String> loops = runtime.threadsForTesting().stream().map(Thread::getName).toList();
        for (String loop : loops) {
            assertTrue(warningsAbout(loop).isEmpty(), () -> "an idle loop was reported: " + messages());
        }
        pair.peer().write("z");
        assertEquals("z", new String(ApiIo.drain(Await.get(waiting)), StandardCharsets.US_ASCII));
    }

    /** Blocks the loop thread (bounded) until the test lets go; its name shows in the stack. */
    private static void holdTheLoopThread(CountDownLatch release) {
        try {
            release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps the loop thread busy without blocking (bounded) until the test lets go. */
    private static void spinOnTheLoopThread(CountDownLatch release) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (release.getCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static String loopThreadName(Connection connection) {
        CompletableFuture<String> name = new CompletableFuture<>();
        connection.executor().execute(() -> name.complete(Thread.currentThread().getName()));
        return Await.get(name);
    }

    private List<LogRecord> warningsAbout(String loopThread) {
        return records.stream()
                .filter(r -> r.getLevel() == Level.WARNING && r.getMessage().contains("loop thread " + loopThread + " "))
                .toList();
    }

    private List<String> messages() {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
    }
}
