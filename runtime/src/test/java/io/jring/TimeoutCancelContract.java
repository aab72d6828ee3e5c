package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Deadlines fail an operation with TimeoutException after roughly their duration (the bounds
 * below are correctness bounds, not speed targets), and cancel(true) ends a pending operation
 * at once; either way the connection stays usable and no buffer is lost.
 */
public abstract class TimeoutCancelContract extends RuntimeTestBase {

    private record Pair(IoRuntime runtime, Listener listener, Connection connection, PeerSocket peer) {}

    private Pair accepted() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress()));
        return new Pair(runtime, listener, Await.get(accepted), peer);
    }

    private static void assertTimedOutAfterAbout(CompletableFuture<?> future, long startNanos, long millis) {
        Throwable cause = Await.failure(future, Duration.ofSeconds(10));
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertInstanceOf(TimeoutException.class, cause, () -> "expected a TimeoutException, got " + cause);
        assertTrue(elapsed >= millis * 3 / 4, "timed out after " + elapsed + " ms, before the " + millis + " ms deadline");
        assertTrue(elapsed < 5000, "timed out only after " + elapsed + " ms for a " + millis + " ms deadline");
    }

    @Test
    void recvWithDeadlineTimesOutAndTheConnectionStillWorks() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime);
        long start = System.nanoTime();
        CompletableFuture<IoBuffer> recv = pair.connection.recv(Duration.ofMillis(200));
        assertTimedOutAfterAbout(recv, start, 200);
        assertTrue(pair.connection.isOpen());

        pair.peer.write("after the timeout");
        byte[] got = Await.get(ApiIo.readExactly(pair.connection, 17));
        assertEquals("after the timeout", new String(got, java.nio.charset.StandardCharsets.UTF_8));
        // ...and sending too.
        Await.get(pair.connection.send("reply".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("reply", pair.peer.readString(5));
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void recvWithDeadlineCompletesWhenDataComesInTime() throws Exception {
        Pair pair = accepted();
        long start = System.nanoTime();
        CompletableFuture<IoBuffer> recv = pair.connection.recv(Duration.ofSeconds(10));
        Thread.sleep(100);
        pair.peer.write("in time");
        IoBuffer buffer = Await.get(recv);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("in time", new String(ApiIo.drain(buffer), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(elapsed < 5000, "data sent after 100 ms arrived after " + elapsed + " ms");
        // The deadline of the finished recv must not fire later and hit the next operation.
        CompletableFuture<IoBuffer> next = pair.connection.recv(Duration.ofSeconds(20));
        Thread.sleep(300);
        assertFalse(next.isDone(), "a later recv ended without data: " + next);
        pair.peer.write("z");
        assertEquals("z", new String(ApiIo.drain(Await.get(next)), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void recvIntoWithDeadlineTimesOutAndGivesTheBufferBack() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime);
        IoBuffer into = pair.connection.allocate();
        long start = System.nanoTime();
        assertTimedOutAfterAbout(pair.connection.recv(into, Duration.ofMillis(200)), start, 200);
        assertEquals(0, into.readableBytes());
        pair.peer.write("ok");
        while (into.readableBytes() < 2) {
            Await.get(pair.connection.recv(into, Duration.ofSeconds(10)));
        }
        assertEquals("ok", into.toString(java.nio.charset.StandardCharsets.UTF_8));
        into.release(); // would throw if the runtime still thought the kernel had it
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void acceptWithDeadlineTimesOutThenAcceptsLaterClients() throws Exception {
        IoRuntime runtime = open(2);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        long start = System.nanoTime();
        assertTimedOutAfterAbout(listener.accept(Duration.ofMillis(200)), start, 200);
        start = System.nanoTime();
        assertTimedOutAfterAbout(listener.accept(Duration.ofMillis(200)), start, 200);

        for (int i = 0; i < 4; i++) { // every loop's socket still accepts
            CompletableFuture<Connection> accept = listener.accept(Duration.ofSeconds(10));
            try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
                Connection connection = Await.get(accept);
                peer.write("hi");
                assertEquals("hi", new String(Await.get(ApiIo.readExactly(connection, 2))));
                Await.get(connection.close());
            }
        }
    }

    @Test
    void sendWithDeadlineToAStalledPeerTimesOutAndReleasesItsBuffer() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        closeLater(connectPeer(listener.localAddress(), 16 * 1024));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);
        // Keep sending 16 KiB until the kernel's buffers are full and one send waits out its deadline.
        Throwable failure = null;
        int sent = 0;
        while (failure == null && sent < 2000) {
            IoBuffer buffer = connection.allocate();
            buffer.writerIndex(buffer.capacity());
            long start = System.nanoTime();
            CompletableFuture<Void> send = connection.send(buffer, Duration.ofMillis(300));
            try {
                send.get(10, TimeUnit.SECONDS);
                sent++;
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(elapsed >= 225 && elapsed < 5000, "send timed out after " + elapsed + " ms");
            }
            assertTrue(buffer.isReleased(), "send released its buffer");
        }
        assertInstanceOf(TimeoutException.class, failure, "after " + sent + " sends of 16 KiB: " + failure);
        assertTrue(sent > 0, "the first sends fit in the kernel's buffers");
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void cancelledRecvEndsAtOnceReturnsItsBufferAndTheNextRecvGetsData() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime);
        CompletableFuture<IoBuffer> recv = pair.connection.recv();
        Thread.sleep(50); // in the kernel now
        assertTrue(recv.cancel(true));
        assertTrue(recv.isCancelled());
        assertThrows(CancellationException.class, () -> recv.get(1, TimeUnit.SECONDS));
        assertBuffersBackTo(pair.runtime, baseline);

        CompletableFuture<IoBuffer> next = pair.connection.recv(Duration.ofSeconds(20));
        pair.peer.write("after cancel");
        byte[] first = ApiIo.drain(Await.get(next));
        byte[] rest = Await.get(ApiIo.readExactly(pair.connection, 12 - first.length));
        assertEquals("after cancel", new String(first) + new String(rest));
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void deadlineCountsWhileQueuedBehindAnOperationThatNeverEnds() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime);
        CompletableFuture<IoBuffer> first = pair.connection.recv(); // no data comes: it never ends by itself
        long start = System.nanoTime();
        CompletableFuture<IoBuffer> queued = pair.connection.recv(Duration.ofMillis(200));
        assertTimedOutAfterAbout(queued, start, 200);
        assertFalse(first.isDone(), "the recv ahead of it is still waiting: " + first);
        pair.peer.write("x");
        assertEquals("x", new String(ApiIo.drain(Await.get(first))), "the queue still works after the timeout");
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void cancelledQueuedRecvNeverRunsAndOrderIsKept() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime);
        CompletableFuture<IoBuffer> first = pair.connection.recv(Duration.ofSeconds(20));
        CompletableFuture<IoBuffer> second = pair.connection.recv(Duration.ofSeconds(20)); // queued behind first
        CompletableFuture<IoBuffer> third = pair.connection.recv(Duration.ofSeconds(20));
        assertTrue(second.cancel(true));
        pair.peer.write("a");
        assertEquals("a", new String(ApiIo.drain(Await.get(first))));
        pair.peer.write("b");
        assertEquals("b", new String(ApiIo.drain(Await.get(third))), "the recv after the cancelled one gets the next data");
        assertTrue(second.isCancelled());
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void cancelledRecvIntoGivesTheBufferBackToTheCaller() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime);
        IoBuffer into = pair.connection.allocate();
        CompletableFuture<Integer> recv = pair.connection.recv(into);
        Thread.sleep(50);
        assertTrue(recv.cancel(true));
        // The kernel may still hold the buffer for a moment: release marks it, the runtime recycles it on confirmation.
        into.release();
        assertBuffersBackTo(pair.runtime, baseline);
        pair.peer.write("later");
        assertEquals("later", new String(Await.get(ApiIo.readExactly(pair.connection, 5))));
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void cancelledAcceptEndsAndTheListenerKeepsAccepting() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accept = listener.accept();
        Thread.sleep(50);
        assertTrue(accept.cancel(true));
        assertTrue(accept.isCancelled());
        Thread.sleep(50); // the kernel confirms the cancel

        CompletableFuture<Connection> next = listener.accept(Duration.ofSeconds(10));
        try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
            Connection connection = Await.get(next);
            peer.write("x");
            assertEquals("x", new String(Await.get(ApiIo.readExactly(connection, 1))));
            Await.get(connection.close());
        }
    }

    @Test
    void connectWithDeadlineToAFullBacklogTimesOut() throws Exception {
        // A listener that never accepts, with backlog 1, whose queue is already full: the
        // kernel drops further SYNs, so the connect can only end by its deadline.
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT, ListenOptions.DEFAULT.withBacklog(1).withReusePort(false));
        java.net.SocketAddress address = listener.localAddress();
        java.util.List<PeerSocket> fillers = new java.util.ArrayList<>();
        try {
            // Fill the accept queue (backlog 1 holds 2 on Linux) and a bit more.
            for (int i = 0; i < 2; i++) {
                fillers.add(PeerSocket.connect(address));
            }
            long start = System.nanoTime();
            CompletableFuture<Connection> connect = runtime.connect(address, Duration.ofMillis(300));
            Throwable cause = Await.failure(connect, Duration.ofSeconds(10));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertInstanceOf(TimeoutException.class, cause, () -> "connect to a full backlog: " + cause);
            assertTrue(elapsed >= 225 && elapsed < 5000, "connect timed out after " + elapsed + " ms");
        } finally {
            for (PeerSocket filler : fillers) {
                filler.close();
            }
        }
    }
}
