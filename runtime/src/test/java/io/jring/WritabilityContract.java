package io.jring;

import static io.jring.StalledPeer.MIB;
import static io.jring.StalledPeer.MORE_THAN_THE_KERNEL_HOLDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The writability signal under a peer that does not read: queued send bytes counted exactly
 * from each send's call to its end, isWritable() with its hysteresis between the water marks,
 * whenWritable() completing once the peer drains (or failing at close), and the count back to
 * exactly 0 however the sends ended.
 */
public abstract class WritabilityContract extends RuntimeTestBase {

    private Pair stalledPeer() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), StalledPeer.SMALL_RECEIVE_BUFFER));
        return new Pair(runtime, Await.get(accepted), peer);
    }

    private static void awaitQueued(Connection connection, long expected) {
        Await.until(() -> connection.queuedSendBytes() == expected, 10_000,
                () -> "queued send bytes " + connection.queuedSendBytes() + ", expected " + expected);
    }

    @Test
    void unwritableAboveTheHighMarkUntilThePeerDrains() throws Exception {
        Pair pair = stalledPeer();
        Connection connection = pair.connection();
        assertEquals(32 * 1024, connection.writeBufferLowWaterMark());
        assertEquals(64 * 1024, connection.writeBufferHighWaterMark());
        assertTrue(connection.isWritable());
        assertEquals(0, connection.queuedSendBytes());
        assertTrue(connection.whenWritable().isDone(), "writable now: whenWritable is complete at once");

        try (Arena arena = Arena.ofShared()) {
            long big = MORE_THAN_THE_KERNEL_HOLDS;
            CompletableFuture<Void> sent = connection.send(StalledPeer.pattern(arena, big, 0));
            assertFalse(connection.isWritable(), "unwritable from the call that crossed the high mark");
            CompletableFuture<Void> writable = connection.whenWritable();
            IoBuffer small = connection.allocate();
            MemorySegment tail = small.writableSegment().asSlice(0, 100);
            Payloads.fillPattern(tail, big);
            small.writerIndex(100);
            CompletableFuture<Void> second = connection.send(small);
            assertEquals(big + 100, connection.queuedSendBytes(), "both sends count until they end");

            Thread.sleep(300); // the peer reads nothing: nothing can drain below the low mark
            assertFalse(writable.isDone(), "whenWritable completed although the peer read nothing");
            assertFalse(connection.isWritable());
            assertEquals(big + 100, connection.queuedSendBytes(), "the kernel cannot have taken 24 MiB");

            AtomicLong read = new AtomicLong();
            Thread drain = StalledPeer.drain(pair.peer(), big + 100, read);
            Await.get(writable);
            assertTrue(connection.isWritable(), "whenWritable completed while unwritable");
            assertTrue(connection.queuedSendBytes() < connection.writeBufferLowWaterMark(),
                    "whenWritable completed with " + connection.queuedSendBytes() + " bytes queued");
            Await.get(sent);
            Await.get(second);
            StalledPeer.awaitDrained(drain, read, big + 100);
        }
        awaitQueued(connection, 0);
        assertTrue(connection.isWritable());
        assertTrue(connection.whenWritable().isDone());
    }

    @Test
    void writabilityKeepsItsStateBetweenTheMarks() throws Exception {
        Pair pair = stalledPeer();
        Connection connection = pair.connection();
        try (Arena arena = Arena.ofShared()) {
            long big = MORE_THAN_THE_KERNEL_HOLDS; // queued, and stays queued: the peer does not read
            connection.send(StalledPeer.pattern(arena, big, 0));
            assertFalse(connection.isWritable());

            connection.setWriteBufferWaterMarks(25 * MIB, 30 * MIB); // 24 MiB is below the low mark
            assertTrue(connection.isWritable(), "below the new low mark: writable at once");
            CompletableFuture<Void> writable = connection.whenWritable();
            assertTrue(writable.isDone());
            connection.setWriteBufferWaterMarks(MIB, 30 * MIB); // between the marks: stays writable
            assertTrue(connection.isWritable(), "between the marks a writable connection stays writable");

            connection.setWriteBufferWaterMarks(MIB, 20 * MIB); // above the high mark
            assertFalse(connection.isWritable());
            connection.setWriteBufferWaterMarks(MIB, 30 * MIB); // between the marks again
            assertFalse(connection.isWritable(), "between the marks an unwritable connection stays unwritable");

            // Waiting with a deadline, or cancelled: neither changes anything else.
            Await.failure(connection.whenWritable(Duration.ofMillis(200)), TimeoutException.class);
            CompletableFuture<Void> cancelled = connection.whenWritable();
            assertTrue(cancelled.cancel(true));
            assertFalse(connection.isWritable());

            CompletableFuture<Void> waiting = connection.whenWritable(Duration.ofSeconds(30));
            connection.setWriteBufferWaterMarks(30 * MIB, 40 * MIB);
            Await.get(waiting); // the new low mark lets it go, on the loop thread
            assertThrows(IllegalArgumentException.class, () -> connection.setWriteBufferWaterMarks(0, 10));
            assertThrows(IllegalArgumentException.class, () -> connection.setWriteBufferWaterMarks(20, 10));
            Await.get(connection.close());
        }
        awaitQueued(connection, 0);
    }

    @Test
    void closeFailsWhenWritableAndUncountsEveryQueuedSend() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime());
        Connection connection = pair.connection();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            sends.add(connection.send(StalledPeer.pattern(arena, MORE_THAN_THE_KERNEL_HOLDS, 0)));
            for (int i = 0; i < 20; i++) {
                sends.add(connection.send(connection.allocate().write(new byte[1000])));
            }
            CompletableFuture<Void> writable = connection.whenWritable();
            Await.get(connection.close());
            Await.failure(writable, ConnectionClosedException.class);
            for (CompletableFuture<Void> send : sends) {
                Await.failure(send, ConnectionClosedException.class);
            }
        }
        assertEquals(0, connection.queuedSendBytes(), "every send ended at close, so none is queued");
        assertFalse(connection.isWritable(), "a closed connection is not writable");
        Await.failure(connection.whenWritable(), ConnectionClosedException.class);
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void sendsThatFailAreUncountedToo() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime());
        Connection connection = pair.connection();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            sends.add(connection.send(StalledPeer.pattern(arena, MORE_THAN_THE_KERNEL_HOLDS, 0)));
            for (int i = 0; i < 10; i++) {
                sends.add(connection.send(new byte[5000]));
            }
            assertFalse(connection.isWritable());
            CompletableFuture<Void> writable = connection.whenWritable();
            pair.peer().reset(); // a reset: the send in the kernel fails, and so do the ones queued behind it
            Throwable first = Await.failure(sends.getFirst());
            assertTrue(first instanceof NativeIoException, "the send in the kernel fails with the errno: " + first);
            for (CompletableFuture<Void> send : sends) {
                Await.failure(send); // each fails, one way or another
            }
            awaitQueued(connection, 0);
            Await.get(writable); // failed sends drained the queue: writable again while still open
            assertTrue(connection.isWritable() || !connection.isOpen());
        }
        Await.get(connection.close());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    /**
     * Sends ending every way there is (written, cancelled while queued, timed out, refused,
     * abandoned at close), from several threads at once: the count comes back to exactly 0.
     */
    @Test
    void theCountDoesNotDriftHoweverSendsEnd() throws Exception {
        Pair pair = stalledPeer();
        Connection connection = pair.connection();
        int threads = 4;
        int perThread = 300;
        AtomicLong written = new AtomicLong();
        List<Thread> senders = new ArrayList<>();
        List<CompletableFuture<Void>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            long seed = t;
            senders.add(Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < perThread; i++) {
                    byte[] bytes = new byte[1 + random.nextInt(20_000)];
                    CompletableFuture<Void> send = switch (random.nextInt(4)) {
                        case 0 -> connection.send(bytes);
                        case 1 -> connection.send(bytes, Duration.ofMillis(1 + random.nextInt(50)));
                        case 2 -> connection.sendv(connection.allocate().write(bytes, 0, Math.min(bytes.length, 16_000)));
                        default -> {
                            CompletableFuture<Void> cancelled = connection.send(bytes);
                            cancelled.cancel(true);
                            yield cancelled;
                        }
                    };
                    all.add(send);
                    send.thenRun(() -> written.incrementAndGet());
                }
            }));
        }
        for (Thread sender : senders) {
            sender.join(30_000);
        }
        // Let the peer read a while, so some sends end by being written, then close with the rest queued.
        byte[] sink = new byte[64 * 1024];
        long readUntil = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < readUntil) {
            if (pair.peer().in.available() > 0) {
                pair.peer().in.read(sink);
            } else {
                Thread.sleep(1);
            }
        }
        Await.get(connection.close());
        for (CompletableFuture<Void> send : all) {
            Await.get(send.handle((ok, error) -> null)); // each ended, one way or another
        }
        assertEquals(0, connection.queuedSendBytes(), "close ended every send, so none is queued");
        assertTrue(written.get() > 0, "some sends were written before the close");
    }
}
