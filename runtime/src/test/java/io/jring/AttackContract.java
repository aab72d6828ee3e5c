package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the hardened core as a careless user would make them: cancels racing completions
 * from another thread, misuse on the error paths, handlers that throw. Each test states the
 * rule from the README it holds the runtime to.
 */
public abstract class AttackContract extends RuntimeTestBase {

    /**
     * README: "A recv cancelled just as its data arrived hands the bytes to the next recv;
     * nothing read from the socket is dropped", and after cancelling a recv(into) "you may
     * release the buffer at once". So: cancel recv(into)s from the test thread at random moments
     * while the peer streams, release each cancelled buffer unread, and every byte must still
     * arrive, in order.
     */
    @Test
    void recvIntoCancelledAsItsDataArrivesLosesNoBytes() throws Exception {
        Pair pair = accepted(open(1));
        Thread writer = Thread.ofVirtual().start(() -> {
            byte[] chunk = new byte[97];
            long at = 0;
            try {
                while (true) {
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = (byte) ((at + i) % 251);
                    }
                    pair.peer().out.write(chunk);
                    pair.peer().out.flush();
                    at += chunk.length;
                }
            } catch (IOException endOfTest) {
                // the test closed the connection
            }
        });
        Random random = new Random(11);
        long received = 0;
        int cancels = 0;
        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int round = 0; round < 200_000 && System.nanoTime() < stopAt; round++) {
            IoBuffer into = pair.connection().allocate();
            CompletableFuture<Integer> f = pair.connection().recv(into, Duration.ofSeconds(5));
            int spin = random.nextInt(4_000);
            for (int i = 0; i < spin; i++) {
                Thread.onSpinWait();
            }
            if (f.cancel(true)) {
                cancels++;
                into.release(); // allowed after a cancel: the README says so
                continue;
            }
            int n;
            try {
                n = f.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                fail("recv failed after " + received + " bytes (" + cancels + " cancels): " + e.getCause());
                return;
            }
            byte[] bytes = into.toByteArray();
            into.release();
            assertEquals(bytes.length, n);
            for (byte b : bytes) {
                if (b != (byte) (received % 251)) {
                    fail("byte " + received + " is " + b + ", expected " + (received % 251)
                            + ": bytes a cancelled recv(into) read were dropped (" + cancels + " cancels, round "
                            + round + ")");
                }
                received++;
            }
        }
        Await.get(pair.connection().close());
        pair.peer().close();
        writer.join(30_000);
        assertTrue(cancels > 0 && received > 0, "cancels " + cancels + ", received " + received);
    }

    /**
     * "One user mistake fails one operation, never a loop": a handler given to onAccept that
     * throws must not stop the listener accepting the next connection.
     */
    @Test
    void anOnAcceptHandlerThatThrowsDoesNotStopTheListener() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        List<Connection> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = listener.onAccept(connection -> {
            accepted.add(connection);
            if (accepted.size() == 1) {
                throw new IllegalStateException("a careless handler");
            }
            EchoServiceEcho.echo(connection);
        });
        PeerSocket first = closeLater(PeerSocket.connect(listener.localAddress()));
        Await.until(() -> accepted.size() == 1, 10_000, () -> "first connection not accepted");
        PeerSocket second = closeLater(PeerSocket.connect(listener.localAddress()));
        second.write("still");
        assertEquals("still", second.readString(5));
        assertTrue(!ended.isDone(), "the accept stream ended: " + ended);
        first.close();
    }

    /**
     * Thousands of sends with a 1 ns deadline to a peer that does not read: each ends (sent or
     * timed out), each gives its buffer back, and the loop still serves.
     */
    @Test
    void thousandsOfOneNanosecondSendsAllEndAndGiveTheirBuffersBack() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            IoBuffer b = pair.connection().allocate();
            b.writerIndex(b.capacity());
            sends.add(pair.connection().send(b, Duration.ofNanos(1)));
        }
        for (CompletableFuture<Void> send : sends) {
            try {
                send.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof TimeoutException, "send failed with " + e.getCause());
            } catch (TimeoutException e) {
                fail("a send with a 1 ns deadline never ended");
            }
        }
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);
        Pair again = accepted(runtime);
        assertEchoes(again);
    }

    /**
     * sendv owns the buffers it is given, "even when it refuses them": refusing too many buffers
     * where one is listed twice must fail the returned future, not throw from the release of the
     * duplicate and leak the buffers after it.
     */
    @Test
    void sendvRefusingTooManyBuffersWithADuplicateLeaksNothing() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        IoBuffer a = pair.connection().allocate().write("a");
        IoBuffer[] many = new IoBuffer[2000];
        many[0] = a;
        many[1] = a;
        for (int i = 2; i < many.length; i++) {
            many[i] = pair.connection().allocate().write("x");
        }
        CompletableFuture<Void> sent;
        try {
            sent = pair.connection().sendv(many);
        } catch (IllegalStateException e) {
            for (int i = 2; i < many.length; i++) {
                if (!many[i].isReleased()) {
                    many[i].release(); // clean up so the runtime's close check stays about this test
                }
            }
            fail("sendv threw from its refusal path and left buffers unreleased: " + e.getMessage());
            return;
        }
        Throwable cause = Await.failure(sent);
        assertTrue(cause instanceof IllegalArgumentException || cause instanceof IllegalStateException, cause.toString());
        assertBuffersBackTo(runtime, baseline);
    }

    /**
     * README: orTimeout does not cancel the kernel operation, "data a timed-out recv would have
     * taken goes to the next recv". For recv(into) the buffer stays lent until then.
     */
    @Test
    void recvIntoWithOrTimeoutHandsItsDataToTheNextRecv() throws Exception {
        Pair pair = accepted(open(1));
        IoBuffer into = pair.connection().allocate();
        CompletableFuture<Integer> f = pair.connection().recv(into);
        f.orTimeout(50, TimeUnit.MILLISECONDS);
        assertTrue(Await.failure(f) instanceof TimeoutException);
        pair.peer().write("late");
        IoBuffer next = Await.get(pair.connection().recv());
        assertEquals("late", next.toString(StandardCharsets.UTF_8));
        next.release();
        Await.until(() -> {
            try {
                into.release();
                return true;
            } catch (IllegalStateException stillLent) {
                return false;
            }
        }, 10_000, () -> "the recv(into) buffer never came back after its data went to the next recv");
    }

    private void assertEchoes(Pair pair) throws Exception {
        pair.peer().write("ping");
        IoBuffer got = Await.get(pair.connection().recv());
        assertEquals("ping", got.toString(StandardCharsets.UTF_8));
        Await.get(pair.connection().send(got));
        assertEquals("ping", pair.peer().readString(4));
    }

    /** A minimal echo for handlers (EchoService owns its own listener). */
    static final class EchoServiceEcho {
        static void echo(Connection conn) {
            conn.recv().whenComplete((buf, error) -> {
                if (error != null || buf.isEndOfStream()) {
                    conn.close();
                    return;
                }
                conn.send(buf).thenRun(() -> echo(conn));
            });
        }
    }
}
