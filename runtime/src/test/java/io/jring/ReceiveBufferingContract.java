package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What a connection does with data that arrives while nobody is receiving (on io_uring 6.0+ a
 * multishot recv stays armed and keeps it in a small inbox; elsewhere it stays in the socket):
 * it reaches the next recvs in order, a connection nobody reads holds a bounded number of
 * buffers, a cancelled recv loses nothing, and a starved provided-buffer ring only slows things.
 */
public abstract class ReceiveBufferingContract extends RuntimeTestBase {

    @Test
    void dataArrivingBetweenRecvsReachesTheNextRecvsInOrder() throws Exception {
        Pair pair = accepted(open(1));
        int baseline = idleBaseline(pair.runtime());
        pair.peer().write("first");
        assertEquals("first", new String(Await.get(ApiIo.readExactly(pair.connection(), 5)), StandardCharsets.UTF_8));

        // Three separate arrivals while no recv waits, then pooled and caller-buffer recvs mixed.
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String part = "part-" + i + ";";
            pair.peer().write(part);
            sent.append(part);
            Thread.sleep(30);
        }
        StringBuilder got = new StringBuilder();
        IoBuffer into = pair.connection().allocate();
        boolean pooled = true;
        while (got.length() < sent.length()) {
            if (pooled) {
                got.append(new String(ApiIo.drain(Await.get(pair.connection().recv())), StandardCharsets.UTF_8));
            } else {
                into.clear();
                Await.get(pair.connection().recv(into));
                got.append(into.toString(StandardCharsets.UTF_8));
            }
            pooled = !pooled;
        }
        into.release();
        assertEquals(sent.toString(), got.toString());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    /**
     * A completion's stages run on the loop thread inside the completion, so they may receive
     * again or close before the runtime's own bookkeeping for that completion would otherwise
     * be done. Four bytes at a time, alternating caller buffers and pooled recvs, each started
     * from the previous one's stage: every byte must come once, in order.
     */
    @Test
    void receivesStartedFromInsideACompletionSeeEveryByteOnceInOrder() throws Exception {
        Pair pair = accepted(open(1));
        int baseline = idleBaseline(pair.runtime());
        pair.peer().write("x");
        Await.get(ApiIo.readExactly(pair.connection(), 1)); // on io_uring the stream is now armed
        pair.peer().write("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        Thread.sleep(100); // it arrives while nobody waits
        CompletableFuture<String> all = new CompletableFuture<>();
        readOnFromCompletions(pair.connection(), new StringBuilder(), 26, true, all);
        assertEquals("ABCDEFGHIJKLMNOPQRSTUVWXYZ", Await.get(all));
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    private static void readOnFromCompletions(Connection connection, StringBuilder got, int total, boolean intoNext,
                                              CompletableFuture<String> all) {
        if (got.length() >= total) {
            all.complete(got.toString());
            return;
        }
        if (intoNext) {
            IoBuffer into = connection.allocate();
            into.writerIndex(into.capacity() - 4).readerIndex(into.capacity() - 4); // room for four bytes
            connection.recv(into).whenComplete((count, failure) -> {
                got.append(into.toString(StandardCharsets.UTF_8));
                into.release();
                if (failure != null) {
                    all.completeExceptionally(failure);
                } else {
                    readOnFromCompletions(connection, got, total, false, all);
                }
            });
        } else {
            connection.recv().whenComplete((buffer, failure) -> {
                if (failure != null) {
                    all.completeExceptionally(failure);
                    return;
                }
                got.append(buffer.toString(StandardCharsets.UTF_8));
                buffer.release();
                readOnFromCompletions(connection, got, total, true, all);
            });
        }
    }

    @Test
    void closingFromInsideARecvIntoCompletionEndsCleanly() throws Exception {
        Pair pair = accepted(open(1));
        int baseline = idleBaseline(pair.runtime());
        pair.peer().write("x");
        Await.get(ApiIo.readExactly(pair.connection(), 1));
        pair.peer().write("0123456789");
        Thread.sleep(100);
        IoBuffer into = pair.connection().allocate();
        into.writerIndex(into.capacity() - 4).readerIndex(into.capacity() - 4);
        CompletableFuture<Void> closed = pair.connection().recv(into)
                .thenCompose(count -> pair.connection().close());
        Await.get(closed);
        assertEquals("0123", into.toString(StandardCharsets.UTF_8));
        into.release();
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void aConnectionNobodyReadsHoldsABoundedNumberOfBuffersAndLosesNothing() throws Exception {
        // 16 provided buffers: one wakeup of a multishot recv may fill several before the loop
        // sees the inbox is full, but never more than the ring holds.
        Pair pair = accepted(open(IoRuntimeOptions.defaults().withThreads(1).withBuffers(16384, 512, 16)));
        int baseline = idleBaseline(pair.runtime());
        pair.peer().write("x");
        Await.get(ApiIo.readExactly(pair.connection(), 1)); // a recv has run: on io_uring the stream is armed

        byte[] payload = Payloads.random(7, 8 << 20);
        AtomicLong written = new AtomicLong();
        ExecutorService thread = closeLater(Executors.newSingleThreadExecutor());
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int at = 0; at < payload.length; at += 64 << 10) {
                    pair.peer().write(java.util.Arrays.copyOfRange(payload, at, Math.min(payload.length, at + (64 << 10))));
                    written.set(at + (64 << 10));
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, thread);
        // Wait until the writer stalls: the socket buffers are full and the runtime stopped taking data.
        long last = -1;
        for (int stable = 0; stable < 5; ) {
            Thread.sleep(100);
            long now = written.get();
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
        assertTrue(written.get() < payload.length, "8 MiB went into a connection nobody reads: " + written.get());
        int held = pair.runtime().buffersInUse() - baseline;
        assertTrue(held <= 16 + 4, "a connection nobody reads holds " + held + " pooled buffers");

        byte[] received = Await.get(ApiIo.readExactly(pair.connection(), payload.length), Duration.ofSeconds(60));
        Await.get(writer);
        assertArrayEquals(payload, received, "bytes lost or reordered while nobody read");
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void cancelledRecvsLoseNoData() throws Exception {
        Pair pair = accepted(open(1));
        int baseline = idleBaseline(pair.runtime());
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int i = 0; i < 40; i++) {
            CompletableFuture<IoBuffer> doomed = pair.connection().recv();
            byte[] message = ("message " + i + ";").getBytes(StandardCharsets.UTF_8);
            // Cancel before, as and after the data arrives: whichever way it races, nothing is lost.
            if (i % 2 == 0) {
                doomed.cancel(true);
                pair.peer().write(message);
            } else {
                pair.peer().write(message);
                doomed.cancel(true);
            }
            sent.write(message);
            if (!doomed.isCancelled()) {
                got.write(ApiIo.drain(Await.get(doomed))); // it won the race: the data is here
            }
        }
        while (got.size() < sent.size()) {
            got.write(ApiIo.drain(Await.get(pair.connection().recv(Duration.ofSeconds(20)))));
        }
        assertEquals(sent.toString(StandardCharsets.UTF_8), got.toString(StandardCharsets.UTF_8));
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void aStarvedProvidedBufferRingSlowsDownButDeliversEverything() throws Exception {
        // Two provided buffers for sixteen busy connections: on io_uring the ring runs dry over
        // and over (ENOBUFS); each recv then takes a block of its own and the stream re-arms.
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(1).withBuffers(16384, 64, 2));
        EchoService echo = EchoService.start(runtime);
        // Blocking clients, one virtual thread each (the common pool may have a single thread here).
        ExecutorService threads = closeLater(Executors.newVirtualThreadPerTaskExecutor());
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            int seed = c;
            clients.add(CompletableFuture.runAsync(() -> {
                byte[] payload = Payloads.random(seed, 512 << 10);
                try (Socket socket = new Socket(echo.address().getAddress(), echo.address().getPort())) {
                    socket.setSoTimeout(30_000);
                    CompletableFuture<Void> send = CompletableFuture.runAsync(() -> {
                        try {
                            socket.getOutputStream().write(payload);
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    }, threads);
                    byte[] back = socket.getInputStream().readNBytes(payload.length);
                    send.join();
                    assertArrayEquals(payload, back, "connection " + seed);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, threads));
        }
        Await.get(CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)), Duration.ofSeconds(60));
    }
}
