package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The futureless path: {@link Connection#onReceive} pushes each buffer to a handler, and
 * {@link Connection#sendAndForget} sends without a future. Over real sockets: byte-exact echo,
 * end of stream, a reset, a throwing handler (that connection only), the two receive styles
 * refusing to mix, cancel losing nothing, order with the other sends, and every buffer back.
 */
public abstract class PushContract extends RuntimeTestBase {

    @Test
    void echoesByteExactThroughThePushPathThenCompletesAtEndOfStream() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        CompletableFuture<Void> pushing = pair.connection().onReceive(pair.connection()::sendAndForget);
        for (int round = 0; round < 200; round++) { // many messages, from 1 byte to several buffers
            byte[] payload = Payloads.random(round, 1 + (round * 977) % 70_000);
            assertArrayEquals(payload, pair.peer().echo(payload), "round " + round);
        }
        pair.peer().socket.shutdownOutput();
        Await.get(pushing); // completes normally at the peer's FIN
        assertEquals(0, pair.connection().queuedSendBytes());
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);
    }

    /** Both ends on the runtime: the client sends from the test thread, the echo runs on the loop. */
    @Test
    void runtimeToRuntimeEchoKeepsEveryByteInOrder() throws Exception {
        IoRuntime runtime = open(2);
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        listener.onAccept(server -> server.onReceive(server::sendAndForget));
        Connection client = Await.get(runtime.connect(listener.localAddress()));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream echoed = new ByteArrayOutputStream(); // the client's loop thread only
        CompletableFuture<Void> clientPush = client.onReceive(buffer -> {
            echoed.writeBytes(buffer.toByteArray());
            buffer.release();
        });
        for (int i = 0; i < 1000; i++) {
            byte[] message = ("message " + i + ";").getBytes(StandardCharsets.US_ASCII);
            expected.writeBytes(message);
            client.sendAndForget(client.allocate().write(message));
        }
        byte[] all = expected.toByteArray();
        Await.until(() -> onLoop(client, () -> echoed.size() >= all.length), 30_000,
                () -> "echoed " + onLoop(client, echoed::size) + " of " + all.length + " bytes");
        assertArrayEquals(all, onLoop(client, echoed::toByteArray));
        assertFalse(clientPush.isDone());
        Await.get(client.close());
        Await.failure(clientPush, ConnectionClosedException.class);
        Await.get(listener.close());
        assertBuffersBackTo(runtime, baseline);
    }

    private static <T> T onLoop(Connection connection, java.util.function.Supplier<T> read) {
        return CompletableFuture.supplyAsync(read, connection.executor()).join();
    }

    @Test
    void aPeerResetFailsThePushWithEconnreset() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        CompletableFuture<Void> pushing = pair.connection().onReceive(IoBuffer::release);
        pair.peer().write("before the reset");
        Thread.sleep(50); // the data is pushed, the push waits in the kernel again
        pair.peer().reset();
        NativeIoException error = Await.failure(pushing, NativeIoException.class);
        assertEquals("ECONNRESET", error.errnoName(), error.getMessage());
        assertTrue(error.getMessage().contains("recv"), error.getMessage());
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aThrowingHandlerFailsAndClosesItsConnectionOnly() throws Exception {
        IoRuntime runtime = open(1); // both connections on the same loop
        int baseline = idleBaseline(runtime);
        Pair bad = accepted(runtime);
        Pair good = accepted(runtime);
        IllegalStateException thrown = new IllegalStateException("handler bug");
        CompletableFuture<Void> badPush = bad.connection().onReceive(buffer -> {
            throw thrown; // without releasing: the runtime releases what the handler still owns
        });
        CompletableFuture<Void> goodPush = good.connection().onReceive(good.connection()::sendAndForget);
        bad.peer().write("boom");
        ExecutionException failed = assertThrows(ExecutionException.class, () -> badPush.get(30, TimeUnit.SECONDS));
        assertSame(thrown, failed.getCause());
        assertEquals(0, bad.peer().readToEnd().length, "the failed connection is closed: its peer sees end of stream");
        Await.until(() -> !bad.connection().isOpen(), 10_000, () -> "the failed connection stayed open");
        byte[] payload = Payloads.random(7, 100_000);
        assertArrayEquals(payload, good.peer().echo(payload), "the other connection on the loop goes on");
        assertFalse(goodPush.isDone());
        Await.get(good.connection().close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void theTwoReceiveStylesRefuseToMix() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        Connection connection = pair.connection();

        CompletableFuture<IoBuffer> waiting = connection.recv();
        Thread.sleep(50);
        IllegalStateException refusedPush = Await.failure(connection.onReceive(IoBuffer::release), IllegalStateException.class);
        assertTrue(refusedPush.getMessage().contains("recv"), refusedPush.getMessage());
        pair.peer().write("a");
        IoBuffer a = Await.get(waiting);
        assertEquals("a", a.toString(StandardCharsets.US_ASCII));
        a.release();

        CompletableFuture<Void> pushing = connection.onReceive(IoBuffer::release);
        IllegalStateException refusedRecv = Await.failure(connection.recv(), IllegalStateException.class);
        assertTrue(refusedRecv.getMessage().contains("onReceive"), refusedRecv.getMessage());
        Await.failure(connection.onReceive(IoBuffer::release), IllegalStateException.class); // one at a time
        assertFalse(pushing.isDone(), "refusing a second one leaves the first in force");
        Await.get(connection.close());
        Await.failure(pushing, ConnectionClosedException.class);
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void cancellingThePushLosesNothing() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        Connection connection = pair.connection();
        AtomicReference<String> first = new AtomicReference<>();
        CompletableFuture<Void> pushing = connection.onReceive(buffer -> {
            first.set(buffer.toString(StandardCharsets.US_ASCII));
            buffer.release();
        });
        pair.peer().write("pushed");
        Await.until(() -> first.get() != null, 10_000, () -> "nothing pushed");
        assertEquals("pushed", first.get());
        assertTrue(pushing.cancel(true));
        Thread.sleep(50); // the stop reaches the loop
        pair.peer().write("kept");
        IoBuffer kept = Await.get(connection.recv()); // recv works again, and gets what came after
        assertEquals("kept", kept.toString(StandardCharsets.US_ASCII));
        kept.release();
        CompletableFuture<Void> again = connection.onReceive(connection::sendAndForget); // and a new push may start
        assertArrayEquals("again".getBytes(StandardCharsets.US_ASCII), pair.peer().echo("again".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(again.isDone());
        Await.get(connection.close());
        assertBuffersBackTo(runtime, baseline);
    }

    /**
     * One loop serves three connections: a talker whose pushed buffers are relayed with
     * futureless sends to a reader and to a peer that does not read. The non-reader's sends back
     * up (relayed only while it is writable, dropped and counted otherwise) while the reader gets
     * every byte in order and a plain recv/send round trip on it still answers; once the
     * non-reader reads, it gets exactly the chunks that were relayed to it, in order.
     */
    @Test
    void oneNonReadingPeerBacksUpWhileTheOthersOnItsLoopAreServed() throws Exception {
        IoRuntime runtime = open(1); // one loop: every connection below shares it
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        PeerSocket talkerPeer = closeLater(connectPeer(listener.localAddress()));
        Connection talker = Await.get(accept(listener));
        PeerSocket readerPeer = closeLater(connectPeer(listener.localAddress()));
        Connection reader = Await.get(accept(listener));
        PeerSocket idlePeer = closeLater(connectPeer(listener.localAddress(), 16 * 1024));
        Connection idle = Await.get(accept(listener));

        ByteArrayOutputStream relayedToIdle = new ByteArrayOutputStream(); // loop thread only
        AtomicLong droppedForIdle = new AtomicLong();
        AtomicLong largestIdleQueue = new AtomicLong();
        CompletableFuture<Void> pushing = talker.onReceive(buffer -> {
            byte[] chunk = buffer.toByteArray();
            if (idle.isWritable()) {
                relayedToIdle.writeBytes(chunk);
                idle.sendAndForget(idle.allocate().write(chunk));
                largestIdleQueue.accumulateAndGet(idle.queuedSendBytes(), Math::max);
            } else {
                droppedForIdle.addAndGet(chunk.length);
            }
            reader.sendAndForget(buffer); // the reader reads: it gets everything
        });
        echoWithFutures(reader);

        byte[] talk = Payloads.random(7, 12 * 1024 * 1024); // more than the non-reader's socket buffers hold
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int at = 0; at < talk.length; at += 32 * 1024) {
                    talkerPeer.write(java.util.Arrays.copyOfRange(talk, at, Math.min(talk.length, at + 32 * 1024)));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertArrayEquals(talk, readerPeer.readExactly(talk.length), "the reader got every byte, in order");
        writer.join(30_000);
        assertTrue(droppedForIdle.get() > 0, "the non-reader backed up: nothing was ever dropped for it");
        long bound = idle.writeBufferHighWaterMark() + 64 * 1024L; // the mark, plus the one chunk that crossed it
        assertTrue(largestIdleQueue.get() <= bound, "queued for the non-reader: " + largestIdleQueue.get() + " > " + bound);

        readerPeer.write("still there?"); // the future path on the same loop still answers
        assertEquals("still there?", readerPeer.readString(12));

        talkerPeer.socket.shutdownOutput();
        Await.get(pushing); // the talker's end of stream ends its push normally
        byte[] expected = onLoop(idle, relayedToIdle::toByteArray);
        assertEquals(talk.length, expected.length + droppedForIdle.get(), "every chunk relayed to the non-reader or dropped");
        assertArrayEquals(expected, idlePeer.readExactly(expected.length), "the non-reader got what was relayed, in order");
        Await.until(() -> idle.queuedSendBytes() == 0 && reader.queuedSendBytes() == 0, 10_000,
                () -> idle.queuedSendBytes() + " and " + reader.queuedSendBytes() + " bytes still queued");
        Await.get(idle.close());
        Await.get(reader.close());
        Await.get(talker.close());
        Await.get(listener.close());
        assertBuffersBackTo(runtime, baseline);
    }

    /** Echoes on {@code connection} with recv and send, the future path, until it ends. */
    private static void echoWithFutures(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                return;
            }
            connection.send(buffer).whenComplete((ok, sendError) -> {
                if (sendError == null) {
                    echoWithFutures(connection);
                }
            });
        });
    }

    /**
     * A handler that holds buffers runs the provided-buffer ring dry (ENOBUFS on io_uring): the
     * push takes one recv of its own, then goes back to one multishot recv for many buffers,
     * rather than an SQE per buffer for the rest of the connection's life (what the push-path
     * echo of 1 MiB did: 128 SQEs per message instead of about 6).
     */
    @Test
    void aPushThatRanTheProvidedBuffersDryGoesBackToMultishot() throws Exception {
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(1).withBuffers(16384, 256, 8));
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        java.util.List<IoBuffer> kept = new java.util.ArrayList<>(); // the loop thread's
        ByteArrayOutputStream got = new ByteArrayOutputStream(); // the loop thread's
        AtomicLong received = new AtomicLong();
        boolean[] holding = {true}; // the loop thread's: the first message only
        CompletableFuture<Void> pushing = pair.connection().onReceive(buffer -> {
            got.writeBytes(buffer.toByteArray());
            received.addAndGet(buffer.readableBytes());
            if (holding[0] && kept.size() < 12) {
                kept.add(buffer); // more than the ring's 8: it runs dry
            } else {
                buffer.release();
            }
        });
        byte[] first = Payloads.random(1, 512 << 10);
        pair.peer().socket.getOutputStream().write(first);
        Await.until(() -> received.get() == first.length, 30_000, () -> received.get() + " of " + first.length + " bytes");
        long shortages = runtime.stats().loops().getFirst().providedBufferShortages();
        // Provided buffers exist only for io_uring's multishot recv (a test run turns it off).
        boolean multishot = backend() == Backend.IO_URING && IoRuntimeOptions.defaults().multishotRecv();
        if (multishot) {
            assertTrue(shortages > 0, "holding 12 buffers ran the ring of 8 dry");
        }
        onLoop(pair.connection(), () -> {
            holding[0] = false;
            kept.forEach(IoBuffer::release);
            kept.clear();
            return null;
        });

        long sqesBefore = runtime.stats().sqesSubmitted();
        byte[] second = Payloads.random(2, 2 << 20);
        pair.peer().socket.getOutputStream().write(second);
        long all = first.length + second.length;
        Await.until(() -> received.get() == all, 30_000, () -> received.get() + " of " + all + " bytes");
        if (multishot) {
            // At least 128 buffers arrived: single-shot recvs would be an SQE each. Each new
            // shortage may cost two (its own recv, then the multishot again), nothing else.
            long sqes = runtime.stats().sqesSubmitted() - sqesBefore;
            long newShortages = runtime.stats().loops().getFirst().providedBufferShortages() - shortages;
            assertTrue(sqes <= 2 * newShortages + 8, () -> sqes + " SQEs for " + second.length / 16384
                    + "+ buffers with " + newShortages + " new shortages");
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(first);
        expected.writeBytes(second);
        assertArrayEquals(expected.toByteArray(), onLoop(pair.connection(), got::toByteArray));
        assertFalse(pushing.isDone());
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void futurelessSendsKeepTheirPlaceAmongTheOtherSends() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        Connection connection = pair.connection();
        StringBuilder expected = new StringBuilder();
        CompletableFuture<Void> last = null;
        for (int i = 0; i < 300; i++) {
            String part = "<" + i + ">";
            expected.append(part);
            if (i % 3 == 0) {
                last = connection.send(part.getBytes(StandardCharsets.US_ASCII));
            } else {
                IoBuffer buffer = connection.allocate();
                buffer.write(part.getBytes(StandardCharsets.US_ASCII));
                connection.sendAndForget(buffer);
            }
        }
        assertEquals(expected.toString(), pair.peer().readString(expected.length()));
        Await.get(last);
        Await.until(() -> connection.queuedSendBytes() == 0, 10_000, () -> connection.queuedSendBytes() + " bytes still queued");

        IoBuffer notOurs = connection.allocate();
        notOurs.release();
        assertThrows(IllegalStateException.class, () -> connection.sendAndForget(notOurs), "a released buffer is refused");
        Await.get(connection.close());
        IoBuffer afterClose = connection.allocate(); // the runtime is still open: its pool is
        connection.sendAndForget(afterClose); // dropped: the buffer goes back, nothing throws
        assertEquals(0, connection.queuedSendBytes());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aFailedFuturelessSendFailsThePushAndClosesTheConnection() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        Connection connection = pair.connection();
        CompletableFuture<Void> pushing = connection.onReceive(IoBuffer::release);
        connection.shutdownOutput().get(10, TimeUnit.SECONDS); // our side's writes now fail with EPIPE
        IoBuffer buffer = connection.allocate();
        buffer.write(new byte[] {1, 2, 3});
        connection.sendAndForget(buffer);
        NativeIoException error = Await.failure(pushing, NativeIoException.class);
        assertEquals("EPIPE", error.errnoName(), error.getMessage());
        assertTrue(error.getMessage().contains("send"), error.getMessage());
        Await.until(() -> !connection.isOpen(), 10_000, () -> "the connection stayed open after its send failed");
        assertInstanceOf(NativeIoException.class, error);
        assertBuffersBackTo(runtime, baseline);
    }
}
