package io.jring;

import static io.jring.StalledPeer.MIB;
import static io.jring.StalledPeer.MORE_THAN_THE_KERNEL_HOLDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The Duration forms of the sending calls ({@code send(MemorySegment|byte[], Duration)},
 * {@code sendv(Duration, ...)}, {@code shutdownOutput(Duration)}) against a peer that does not
 * read: each fails with TimeoutException, gives back what it held, is uncounted from the queued
 * send bytes, and leaves the connection open. A send that timed out while still queued wrote
 * nothing: the peer later reads exactly the bytes of the sends that did not time out.
 */
public abstract class SendDeadlineContract extends RuntimeTestBase {
    private static final Duration SHORT = Duration.ofMillis(300);

    private Pair stalledPeer() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), StalledPeer.SMALL_RECEIVE_BUFFER));
        return new Pair(runtime, Await.get(accepted), peer);
    }

    @Test
    void segmentSendWithDeadlineTimesOutInTheKernelAndTheConnectionStillReceives() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime());
        CompletableFuture<Void> send;
        try (Arena arena = Arena.ofConfined()) {
            send = pair.connection().send(StalledPeer.pattern(arena, MORE_THAN_THE_KERNEL_HOLDS, 0), SHORT);
        } // freed at once: the send made its own copy
        Await.failure(send, TimeoutException.class);
        assertTrue(pair.connection().isOpen(), "a send timeout leaves the connection open");
        Await.until(() -> pair.connection().queuedSendBytes() == 0, 10_000,
                () -> "queued send bytes stayed " + pair.connection().queuedSendBytes());

        pair.peer().write("still here");
        assertEquals("still here", new String(Await.get(ApiIo.readExactly(pair.connection(), 10)), StandardCharsets.UTF_8));
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void sendvWithDeadlineTimesOutInTheKernelAndReleasesEveryBuffer() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime());
        // More 16 KiB blocks than the kernel holds for a stalled peer (400, 6.25 MiB, with Linux's
        // default 4 MiB send buffer limit), within what one sendv takes.
        int count = (int) Math.min(1000, StalledPeer.kernelBuffering() / 16384 + 64);
        IoBuffer[] buffers = new IoBuffer[count];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = pair.connection().allocate();
            buffers[i].writerIndex(buffers[i].capacity());
        }
        long total = (long) buffers.length * buffers[0].capacity();
        CompletableFuture<Void> sent = pair.connection().sendv(SHORT, buffers);
        long queued = pair.connection().queuedSendBytes();
        assertTrue(queued == total || sent.isDone(), "a sendv counts from its call: " + queued + " of " + total);
        Await.failure(sent, TimeoutException.class);
        for (IoBuffer buffer : buffers) {
            assertTrue(buffer.isReleased(), "the timed-out sendv released " + buffer);
        }
        Await.until(() -> pair.connection().queuedSendBytes() == 0, 10_000,
                () -> "queued send bytes stayed " + pair.connection().queuedSendBytes());
        assertTrue(pair.connection().isOpen());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void queuedSendsAndShutdownTimeOutWithoutWritingAByte() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime());
        Connection connection = pair.connection();
        long first = MORE_THAN_THE_KERNEL_HOLDS;
        try (Arena arena = Arena.ofShared()) {
            CompletableFuture<Void> blocking = connection.send(StalledPeer.pattern(arena, first - 4096, 0)); // no deadline
            CompletableFuture<Void> behind = connection.send(StalledPeer.pattern(arena, 4096, first - 4096));
            assertEquals(first, connection.queuedSendBytes(), "sends count from their call");
            // Behind them, every form with a deadline waits its turn and times out there.
            CompletableFuture<Void> bytes = connection.send(new byte[4096], SHORT);
            CompletableFuture<Void> segment = connection.send(arena.allocate(4096), SHORT);
            IoBuffer a = connection.allocate().write(new byte[100]);
            IoBuffer b = connection.allocate().write(new byte[200]);
            CompletableFuture<Void> gathered = connection.sendv(SHORT, a, b);
            CompletableFuture<Void> shutdown = connection.shutdownOutput(SHORT);

            Await.failure(bytes, TimeoutException.class);
            Await.failure(segment, TimeoutException.class);
            Await.failure(gathered, TimeoutException.class);
            Await.failure(shutdown, TimeoutException.class);
            assertTrue(a.isReleased() && b.isReleased(), "the timed-out sendv released its buffers");
            Await.until(() -> connection.queuedSendBytes() == first, 10_000,
                    () -> "queued send bytes " + connection.queuedSendBytes() + ", expected only the first sends' " + first);
            assertFalse(blocking.isDone(), "the first send cannot have finished: the peer read nothing");
            assertFalse(connection.isWritable(), "24 MiB queued is far above the high mark");

            AtomicLong read = new AtomicLong();
            Thread drain = StalledPeer.drain(pair.peer(), first, read);
            Await.get(blocking);
            Await.get(behind);
            StalledPeer.awaitDrained(drain, read, first);
        }
        // Only the first sends' bytes went out, then the FIN of a shutdown that did not time out.
        Await.get(connection.shutdownOutput(Duration.ofSeconds(10)));
        assertEquals(-1, pair.peer().in.read(), "nothing of the timed-out sends reached the peer");
        assertEquals(0, connection.queuedSendBytes());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void aSendThatFinishesInTimeCompletesNormally() throws Exception {
        Pair pair = accepted(open(1));
        Await.get(pair.connection().send("in time".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)));
        IoBuffer buffer = pair.connection().allocate().write("gathered");
        Await.get(pair.connection().sendv(Duration.ofSeconds(10), buffer));
        Await.get(pair.connection().shutdownOutput(Duration.ofSeconds(10)));
        assertEquals("in timegathered", new String(pair.peer().readToEnd(), StandardCharsets.UTF_8));
        assertEquals(0, pair.connection().queuedSendBytes());
    }

    @Test
    void aNonPositiveTimeoutIsRefusedBeforeAnythingIsTaken() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        assertThrows(IllegalArgumentException.class, () -> connection.send(new byte[1], Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> connection.send(MemorySegment.ofArray(new byte[1]), Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> connection.shutdownOutput(Duration.ZERO));
        IoBuffer buffer = connection.allocate();
        assertThrows(IllegalArgumentException.class, () -> connection.sendv(Duration.ZERO, buffer));
        buffer.write("still mine"); // the refused sendv did not take it
        Await.get(connection.sendv(Duration.ofSeconds(10), buffer));
        assertEquals("still mine", pair.peer().readString(10));
        assertEquals(0, connection.queuedSendBytes());
    }
}
