package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The futures jring returns belong to the runtime: users cannot complete them (only cancel,
 * or time them out), and cannot block the loop thread that has to complete them.
 */
public abstract class FutureMisuseContract extends RuntimeTestBase {

    @Test
    void recvSendConnectAcceptAndCloseFuturesRefuseCompletionAndTheConnectionStillWorks() throws Exception {
        IoRuntime runtime = open(2);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT); // one socket per loop: accept from any loop
        CompletableFuture<Connection> accept = listener.accept();
        assertRefused(accept, null);
        assertFalse(accept.isDone(), "nobody connected yet: a refused complete must not complete the accept");
        CompletableFuture<Connection> connect = runtime.connect(listener.localAddress());
        assertRefused(connect, null);
        Connection client = Await.get(connect);
        Connection server = Await.get(accept);
        assertRefusedEvenWhenDone(accept, null);

        CompletableFuture<IoBuffer> recv = server.recv();
        assertRefused(recv, IoBuffer.END_OF_STREAM);
        assertFalse(recv.isDone(), "a refused complete must not complete the recv");
        CompletableFuture<Void> send = client.send(bytes("hello"));
        assertRefused(send, null);
        Await.get(send);
        assertEquals("hello", text(Await.get(recv)));
        assertRefusedEvenWhenDone(recv, IoBuffer.END_OF_STREAM);

        // Both directions still carry bytes, in order.
        for (int i = 0; i < 3; i++) {
            Await.get(server.send(bytes("pong" + i)));
            assertEquals("pong" + i, new String(Await.get(ApiIo.readExactly(client, 5)), StandardCharsets.US_ASCII));
            Await.get(client.send(bytes("ping" + i)));
            assertEquals("ping" + i, new String(Await.get(ApiIo.readExactly(server, 5)), StandardCharsets.US_ASCII));
        }

        // A call refused before it reached a loop returns a runtime future too.
        CompletableFuture<Void> refusedSendv = client.sendv();
        assertRefusedEvenWhenDone(refusedSendv, null);
        Await.failure(refusedSendv, IllegalArgumentException.class);

        CompletableFuture<Void> closing = server.close();
        assertRefused(closing, null);
        Await.get(closing);
        assertTrue(Await.get(client.recv()).isEndOfStream(), "the close really closed the socket");
        Await.get(client.close());
        CompletableFuture<Void> listenerClosed = listener.close();
        assertRefused(listenerClosed, null);
        Await.get(listenerClosed);
    }

    @Test
    void acceptOnASharedSocketRefusesCompletion() throws Exception {
        IoRuntime runtime = open(2);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT, ListenOptions.DEFAULT.withReusePort(false));
        CompletableFuture<Connection> accept = listener.accept();
        assertRefused(accept, null);
        try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
            Connection connection = Await.get(accept);
            peer.write("shared");
            assertEquals("shared", new String(Await.get(ApiIo.readExactly(connection, 6)), StandardCharsets.US_ASCII));
            Await.get(connection.send(bytes("back")));
            assertEquals("back", peer.readString(4));
            Await.get(connection.close());
        }
    }

    @Test
    void cancellingACloseFutureStillClosesTheConnection() throws Exception {
        Pair pair = accepted(open(1));
        CompletableFuture<IoBuffer> pending = pair.connection().recv(); // keeps the close from finishing at once
        CompletableFuture<Void> closing = pair.connection().close();
        closing.cancel(true);
        Await.failure(pending, ConnectionClosedException.class);
        // The peer sees end of stream (within its 30 s read timeout): the descriptor was closed.
        assertEquals(0, pair.peer().readToEnd().length);
    }

    @Test
    void dependentStagesAreOrdinaryFuturesTheUserMayComplete() throws Exception {
        Pair pair = accepted(open(1));
        CompletableFuture<IoBuffer> recv = pair.connection().recv();
        CompletableFuture<Integer> size = recv.thenApply(IoBuffer::readableBytes);
        assertEquals(CompletableFuture.class, size.getClass());
        assertTrue(size.complete(-1), "a thenApply stage is the user's to complete");
        CompletableFuture<IoBuffer> copy = recv.copy();
        assertEquals(CompletableFuture.class, copy.getClass());
        assertTrue(copy.complete(IoBuffer.END_OF_STREAM));
        CompletableFuture<IoBuffer> fromMinimal = recv.minimalCompletionStage().toCompletableFuture();
        assertNotSame(recv, fromMinimal);
        assertTrue(fromMinimal.complete(IoBuffer.END_OF_STREAM));
        CompletableFuture<Object> fresh = recv.newIncompleteFuture();
        assertEquals(CompletableFuture.class, fresh.getClass());
        assertTrue(fresh.complete("mine"));
        assertSame(recv, recv.toCompletableFuture());
        assertRefused(recv.toCompletableFuture(), IoBuffer.END_OF_STREAM);

        // None of that touched the recv itself.
        assertFalse(recv.isDone());
        pair.peer().write("data");
        assertEquals("data", text(Await.get(recv)));
    }

    @Test
    void orTimeoutAndCompleteOnTimeoutWorkAndNoDataIsLost() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();

        CompletableFuture<IoBuffer> timedOut = connection.recv();
        assertSame(timedOut, timedOut.orTimeout(100, TimeUnit.MILLISECONDS));
        TimeoutException timeout = Await.failure(timedOut, TimeoutException.class);
        assertTrue(timeout.getMessage().contains("orTimeout"), timeout.getMessage());
        pair.peer().write("late");
        assertEquals("late", text(Await.get(connection.recv())), "data after an orTimeout goes to the next recv");

        CompletableFuture<IoBuffer> defaulted = connection.recv();
        assertSame(defaulted, defaulted.completeOnTimeout(IoBuffer.END_OF_STREAM, 100, TimeUnit.MILLISECONDS));
        assertSame(IoBuffer.END_OF_STREAM, Await.get(defaulted));
        pair.peer().write("later");
        assertEquals("later", text(Await.get(connection.recv())));

        // A future done before its timeout keeps its own result.
        CompletableFuture<IoBuffer> inTime = connection.recv().orTimeout(30, TimeUnit.SECONDS);
        pair.peer().write("in time");
        assertEquals("in time", text(Await.get(inTime)));
        Await.get(connection.send(bytes("sent")).completeOnTimeout(null, 30, TimeUnit.SECONDS));
        assertEquals("sent", pair.peer().readString(4));
    }

    @Test
    void joinOrGetOnTheLoopThreadOfANotDoneFutureThrowsAndTheLoopServesOn() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accept = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connect(listener.localAddress()));
        Connection connection = Await.get(accept);

        List<String> refusals = new CopyOnWriteArrayList<>();
        CompletableFuture<CompletableFuture<IoBuffer>> leftPending = new CompletableFuture<>();
        CompletableFuture<IoBuffer> first = connection.recv();
        first.thenAccept(buffer -> {
            try {
                buffer.release();
                assertSame(buffer, first.join(), "join on a done future returns, even on the loop thread");
                CompletableFuture<IoBuffer> second = connection.recv();
                refusals.add(refusal(second::join));
                refusals.add(refusal(second::get));
                refusals.add(refusal(() -> second.get(1, TimeUnit.SECONDS)));
                refusals.add(refusal(() -> listener.accept().join())); // a future any loop may complete
                leftPending.complete(second);
            } catch (Throwable t) {
                leftPending.completeExceptionally(t);
            }
        });
        peer.write("1");
        CompletableFuture<IoBuffer> second = Await.get(leftPending);
        assertEquals(4, refusals.size(), refusals::toString);
        String loopThread = runtime.threadsForTesting().getFirst().getName();
        for (String message : refusals) {
            assertTrue(message.contains("called on loop thread " + loopThread), message);
            assertTrue(message.contains("thenCompose") && message.contains("Async"), message);
        }

        // The loop was never blocked: the recv that refused join() still gets its data, and more flows.
        peer.write("2");
        assertEquals("2", text(Await.get(second)));
        Await.get(connection.send(bytes("still serving")));
        assertEquals("still serving", peer.readString(13));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /**
     * Every way of completing {@code future} from outside throws, saying what to do instead.
     * (The future may still complete meanwhile on its own, e.g. a close: callers that need it
     * untouched check that themselves, on a future nothing else can complete yet.)
     */
    private static <T> void assertRefused(CompletableFuture<T> future, T value) {
        List<Executable> attempts = List.of(
                () -> future.complete(value),
                () -> future.completeExceptionally(new IllegalStateException("user")),
                () -> future.obtrudeValue(value),
                () -> future.obtrudeException(new IllegalStateException("user")),
                () -> future.completeAsync(() -> value),
                () -> future.completeAsync(() -> value, Runnable::run));
        for (Executable attempt : attempts) {
            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class, attempt);
            assertTrue(refused.getMessage().contains("cancel(true)") && refused.getMessage().contains("Duration"),
                    refused.getMessage());
        }
    }

    private static <T> void assertRefusedEvenWhenDone(CompletableFuture<T> future, T value) {
        Await.until(future::isDone, 30_000, () -> "future never completed: " + future);
        Supplier<String> outcome = () -> future.isCompletedExceptionally() ? "failed" : String.valueOf(future.getNow(null));
        String before = outcome.get();
        assertRefused(future, value);
        assertEquals(before, outcome.get(), "obtrude changed a done future");
    }

    private interface Blocking {
        void call() throws Exception;
    }

    /** The IllegalStateException's message {@code call} throws, or a description of what it did instead. */
    private static String refusal(Blocking call) {
        try {
            call.call();
            return "returned instead of throwing IllegalStateException";
        } catch (IllegalStateException e) {
            return e.getMessage();
        } catch (Exception e) {
            return "threw " + e;
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(IoBuffer buffer) {
        return new String(ApiIo.drain(buffer), StandardCharsets.US_ASCII);
    }
}
