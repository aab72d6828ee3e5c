package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Large transfers, where sends queue behind each other and go out together (one sendmsg with an
 * iovec per queued send): every byte arrives once and in order, with small messages between the
 * large ones; a part of such a send ends exactly once however the send ends (written, the peer's
 * reset, the connection's close, the user's cancel), and every block is back in the pool after.
 */
public abstract class BulkTransferContract extends RuntimeTestBase {
    private static final int BLOCK = 16 * 1024;

    /** Queues the pieces as sends on the loop thread, all before the first reaches the kernel; returns their futures. */
    private static List<CompletableFuture<Void>> queueSends(Connection connection, List<byte[]> pieces) {
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        CountDownLatch queued = new CountDownLatch(1);
        connection.executor().execute(() -> {
            for (byte[] piece : pieces) {
                IoBuffer buffer = connection.allocate();
                buffer.write(piece);
                sends.add(connection.send(buffer));
            }
            queued.countDown();
        });
        await(queued);
        return sends;
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS), "the loop did not run the task within 30 s");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A small message, then full blocks with a small message after every third, {@code total}
     * bytes or a little more, seeded. The first send goes to the kernel alone while the rest
     * queue; once it is written, the queued ones go out together.
     */
    private static List<byte[]> mixedPieces(int total, long seed) {
        Random random = new Random(seed);
        List<byte[]> pieces = new ArrayList<>();
        pieces.add(new byte[] {(byte) seed});
        int bytes = 0;
        while (bytes < total) {
            byte[] piece = new byte[pieces.size() % 4 == 3 ? 1 + random.nextInt(100) : BLOCK];
            random.nextBytes(piece);
            pieces.add(piece);
            bytes += piece.length;
        }
        return pieces;
    }

    private static byte[] concat(List<byte[]> pieces) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        pieces.forEach(all::writeBytes);
        return all.toByteArray();
    }

    @Test
    void multiMebibyteSendsArriveByteExactWithSmallMessagesBetween() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        long sqesBefore = runtime.stats().sqesSubmitted();

        List<byte[]> pieces = mixedPieces(4 << 20, 16);
        byte[] expected = concat(pieces);
        List<CompletableFuture<Void>> sends = queueSends(pair.connection(), pieces);
        assertArrayEquals(expected, pair.peer().readExactly(expected.length), "the bytes the peer read");
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        if (backend() == Backend.IO_URING) {
            // Queued sends go out together: far fewer submissions than sends (a send of its own
            // per piece would be at least one SQE each).
            long sqes = runtime.stats().sqesSubmitted() - sqesBefore;
            assertTrue(sqes < pieces.size() / 4, () -> sqes + " SQEs for " + pieces.size() + " queued sends");
        }
        assertBuffersBackTo(runtime, baseline);
    }

    /**
     * Queues the pieces on the loop thread, all before the first reaches the kernel: every fourth
     * as a send with a future (returned), the rest with {@code sendAndForget}.
     */
    private static List<CompletableFuture<Void>> queueMostlyFuturelessSends(Connection connection, List<byte[]> pieces) {
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        CountDownLatch queued = new CountDownLatch(1);
        connection.executor().execute(() -> {
            for (int i = 0; i < pieces.size(); i++) {
                IoBuffer buffer = connection.allocate();
                buffer.write(pieces.get(i));
                if (i % 4 == 3) {
                    sends.add(connection.send(buffer));
                } else {
                    connection.sendAndForget(buffer);
                }
            }
            queued.countDown();
        });
        await(queued);
        return sends;
    }

    @Test
    void futurelessSendsQueuedBehindOthersGoOutTogetherByteExact() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        long sqesBefore = runtime.stats().sqesSubmitted();

        List<byte[]> pieces = mixedPieces(4 << 20, 23);
        byte[] expected = concat(pieces);
        List<CompletableFuture<Void>> sends = queueMostlyFuturelessSends(pair.connection(), pieces);
        assertArrayEquals(expected, pair.peer().readExactly(expected.length), "the bytes the peer read");
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Await.until(() -> pair.connection().queuedSendBytes() == 0, 10_000,
                () -> pair.connection().queuedSendBytes() + " bytes still queued");

        if (backend() == Backend.IO_URING) {
            // Futureless sends join the batches as the others do: one SQE per send (the push
            // path's 1 MiB echo did that) would be at least as many SQEs as pieces.
            long sqes = runtime.stats().sqesSubmitted() - sqesBefore;
            assertTrue(sqes < pieces.size() / 4, () -> sqes + " SQEs for " + pieces.size() + " queued sends");
        }
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void peerResetWhileACoalescedFuturelessSendIsInFlightFailsThePushAndFreesEveryBlock() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), 4096));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);
        CompletableFuture<Void> pushing = connection.onReceive(IoBuffer::release);

        // 8 MiB to a peer that does not read: the first send ends, the rest wait in the kernel together.
        List<byte[]> pieces = mixedPieces(8 << 20, 24);
        long total = concat(pieces).length;
        queueMostlyFuturelessSends(connection, pieces);
        Await.until(() -> connection.queuedSendBytes() < total, 10_000, () -> "no send ended");
        Thread.sleep(50); // let the next sends go to the kernel together
        assertTrue(connection.queuedSendBytes() > 0, "some sends wait for the peer");
        peer.reset();

        // The send's error or the receive's: either way the errno, and the push ends once.
        Throwable error = Await.get(pushing.handle((ok, e) -> e), java.time.Duration.ofSeconds(10));
        NativeIoException cause = assertInstanceOf(NativeIoException.class,
                error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
        assertTrue(Set.of("EPIPE", "ECONNRESET").contains(cause.errnoName()), cause.getMessage());
        Await.get(connection.close());
        assertEquals(0, connection.queuedSendBytes(), "every futureless send ended");
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closeWhileACoalescedFuturelessSendIsInFlightFreesEveryBlock() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), 4096));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);

        List<byte[]> pieces = mixedPieces(8 << 20, 25);
        long total = concat(pieces).length;
        List<CompletableFuture<Void>> sends = queueMostlyFuturelessSends(connection, pieces);
        Await.until(() -> connection.queuedSendBytes() < total, 10_000, () -> "no send ended");
        Thread.sleep(50);
        Await.get(connection.close());
        for (CompletableFuture<Void> send : sends) { // the ones with futures: written, or failed by the close
            Throwable error = Await.get(send.handle((ok, e) -> e), java.time.Duration.ofSeconds(10));
            if (error != null) {
                assertInstanceOf(ConnectionClosedException.class,
                        error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
            }
        }
        assertTrue(sends.getLast().isCompletedExceptionally(), "the last send was not written before the close");
        assertEquals(0, connection.queuedSendBytes(), "every futureless send ended");
        assertBuffersBackTo(runtime, baseline);
        peer.close();
    }

    @Test
    void emptySendsQueuedAmongOthersCompleteAndAddNothing() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        List<byte[]> pieces = new ArrayList<>(mixedPieces(256 * 1024, 21));
        pieces.add(5, new byte[0]);
        pieces.add(6, new byte[0]);
        pieces.add(new byte[0]); // the last ones of a batch: nothing left to send once reached
        pieces.add(new byte[0]);
        byte[] expected = concat(pieces);
        List<CompletableFuture<Void>> sends = queueSends(pair.connection(), pieces);
        assertArrayEquals(expected, pair.peer().readExactly(expected.length));
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void multiMebibyteEchoIsByteExactBothWays() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        Connection connection = pair.connection();
        // The bench's echo: each received buffer is sent back, the next recv asked for at once,
        // so sends queue behind each other while receives keep arriving.
        new BiConsumer<IoBuffer, Throwable>() {
            void next() {
                connection.recv().whenComplete(this);
            }

            @Override
            public void accept(IoBuffer buffer, Throwable error) {
                if (error == null && !buffer.isEndOfStream()) {
                    connection.send(buffer);
                    next();
                }
            }
        }.next();

        byte[] payload = concat(mixedPieces(6 << 20, 17));
        assertArrayEquals(payload, pair.peer().echo(payload), "the echo of 6 MiB");
        byte[] small = "small after large".getBytes();
        assertArrayEquals(small, pair.peer().echo(small));
        Await.get(connection.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void peerResetWhileACoalescedSendIsInFlightEndsEverySendOnce() throws Exception {
        IoRuntime runtime = open(1);
        EchoService echo = EchoService.start(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), 4096));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);

        // 8 MiB to a peer that does not read: the socket's buffers fill, a batch waits in the kernel.
        List<CompletableFuture<Void>> sends = queueSends(connection, mixedPieces(8 << 20, 18));
        Await.get(sends.getFirst(), java.time.Duration.ofSeconds(10));
        Thread.sleep(50); // let the next sends go to the kernel together
        assertTrue(sends.stream().anyMatch(send -> !send.isDone()), "some sends wait for the peer");
        peer.reset();

        int failed = 0;
        for (CompletableFuture<Void> send : sends) {
            Throwable error = Await.get(send.handle((ok, e) -> e), java.time.Duration.ofSeconds(10));
            if (error != null) {
                failed++;
                NativeIoException cause = assertInstanceOf(NativeIoException.class,
                        error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
                assertTrue(Set.of("EPIPE", "ECONNRESET").contains(cause.errnoName()), cause.getMessage());
                assertTrue(cause.getMessage().contains("send"), cause.getMessage());
            }
        }
        assertTrue(failed > 0, "the reset failed the sends still waiting");
        Await.get(connection.close());
        assertBuffersBackTo(runtime, baseline);
        try (PeerSocket other = PeerSocket.connect(echo.address())) {
            other.write("still serving");
            assertEquals("still serving", other.readString(13));
        }
    }

    @Test
    void closeWhileACoalescedSendIsInFlightFailsTheUnsentPartsAndFreesEveryBlock() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), 4096));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);

        List<CompletableFuture<Void>> sends = queueSends(connection, mixedPieces(8 << 20, 19));
        Await.get(sends.getFirst(), java.time.Duration.ofSeconds(10));
        Thread.sleep(50);
        Await.get(connection.close());

        int failed = 0;
        for (CompletableFuture<Void> send : sends) {
            Throwable error = Await.get(send.handle((ok, e) -> e), java.time.Duration.ofSeconds(10));
            if (error != null) {
                failed++;
                assertInstanceOf(ConnectionClosedException.class,
                        error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
            }
        }
        assertTrue(failed > 0, "close failed the sends not yet written");
        assertBuffersBackTo(runtime, baseline);
        peer.close();
    }

    @Test
    void aCancelledPartIsSentWholeOrNotAtAllAndTheRestArriveInOrder() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), 4096));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);

        List<byte[]> pieces = mixedPieces(8 << 20, 20);
        List<CompletableFuture<Void>> sends = queueSends(connection, pieces);
        Await.get(sends.getFirst(), java.time.Duration.ofSeconds(10));
        Thread.sleep(50);
        // One in the batch in the kernel now (right behind the first send), one still queued.
        int inBatch = sends.indexOf(sends.stream().filter(s -> !s.isDone()).findFirst().orElseThrow()) + 1;
        int queued = sends.size() - 2;
        assertTrue(sends.get(inBatch).cancel(false) && sends.get(queued).cancel(false));

        byte[] received = readAll(peer, connection);
        List<byte[]> withoutQueued = new ArrayList<>(pieces);
        withoutQueued.remove(queued); // a send cancelled before its turn never goes out
        List<byte[]> withoutBoth = new ArrayList<>(withoutQueued);
        withoutBoth.remove(inBatch); // one in the kernel may or may not; never in part
        assertTrue(java.util.Arrays.equals(concat(withoutQueued), received)
                        || java.util.Arrays.equals(concat(withoutBoth), received),
                () -> "received " + received.length + " bytes: not the sends in order with the cancelled ones whole or absent");
        for (CompletableFuture<Void> send : sends) {
            Await.get(send.handle((ok, e) -> null)); // every send ended
        }
        assertBuffersBackTo(runtime, baseline);
    }

    /** Reads until the connection's queued bytes are all sent, then closes it and reads to the end. */
    private static byte[] readAll(PeerSocket peer, Connection connection) throws Exception {
        CompletableFuture<byte[]> all = CompletableFuture.supplyAsync(() -> {
            try {
                return peer.readToEnd();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Await.until(() -> connection.queuedSendBytes() == 0, 20_000, () -> connection.queuedSendBytes() + " bytes still queued");
        Await.get(connection.close());
        return all.get(30, TimeUnit.SECONDS);
    }
}
