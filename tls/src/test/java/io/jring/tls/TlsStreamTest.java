package io.jring.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import io.jring.IoRuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Data through TLS: bulk echo, half-close, truncation, deadlines and cancel, on both backends. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsStreamTest {
    static Stream<Arguments> backendsAndProtocols() {
        return Stream.of(Backend.values()).flatMap(b -> Stream.of(Arguments.of(b, "TLSv1.3"), Arguments.of(b, "TLSv1.2")));
    }

    /** Echoes every buffer back until end of stream, then closes. */
    static void echo(Connection c) {
        c.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                c.close();
                return;
            }
            c.send(buffer).thenRun(() -> echo(c));
        });
    }

    @ParameterizedTest
    @MethodSource("backendsAndProtocols")
    void tenMebibytesEchoedByteExact(Backend backend, String protocol) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer().withProtocols(protocol), "localhost");
            assertEquals(protocol, p.client().session().getProtocol());
            echo(p.server());
            byte[] sent = new byte[10 << 20];
            new Random(15).nextBytes(sent);
            CompletableFuture<Void> sending = Loopback.sendAll(p.client(), sent);
            byte[] back = Loopback.readAll(p.client(), sent.length);
            sending.get(30, TimeUnit.SECONDS);
            assertArrayEquals(sent, back);
            p.client().close().get(20, TimeUnit.SECONDS);
        }
    }

    /** 4 KiB pool blocks: every 16 KiB record arrives in five network blocks and is gathered. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void recordsLargerThanAPoolBlockAreGathered(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(IoRuntimeOptions.defaults().withThreads(1).withBackend(backend)
                .withBuffers(4096, 256, 64))) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            echo(p.server());
            byte[] sent = new byte[1 << 20];
            new Random(4).nextBytes(sent);
            // one 64 KiB heap send: its records are full 16 KiB ones, larger than any block
            CompletableFuture<Void> sending = CompletableFuture.completedFuture(null);
            for (int off = 0; off < sent.length; off += 64 << 10) {
                sending = p.client().send(java.util.Arrays.copyOfRange(sent, off, off + (64 << 10)));
            }
            byte[] back = Loopback.readAll(p.client(), sent.length);
            sending.get(30, TimeUnit.SECONDS);
            assertArrayEquals(sent, back);
            p.client().close().get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void halfCloseUnderTls13(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            p.client().send("last words".getBytes(StandardCharsets.UTF_8));
            p.client().shutdownOutput().get(20, TimeUnit.SECONDS);
            assertEquals("last words", new String(Loopback.readAll(p.server(), Integer.MAX_VALUE), StandardCharsets.UTF_8),
                    "the server reads up to close_notify, then end of stream");
            // the client's write side is closed; its read side is not
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> p.client().send("more".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS));
            assertInstanceOf(ConnectionClosedException.class, refused.getCause());
            p.server().send("an answer after the half-close".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            p.server().close();
            assertEquals("an answer after the half-close",
                    new String(Loopback.readAll(p.client(), Integer.MAX_VALUE), StandardCharsets.UTF_8));
            p.client().close().get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void underTls12AReceivedCloseNotifyClosesTheWriteSide(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer().withProtocols("TLSv1.2"), "localhost");
            p.client().shutdownOutput().get(20, TimeUnit.SECONDS);
            assertTrue(p.server().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS).isEndOfStream());
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> p.server().send("too late".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS));
            assertTrue(refused.getCause().getMessage().contains("only TLS 1.3 has half-close"),
                    refused.getCause().getMessage());
            // the server answered with its own close_notify: the client sees a clean end of stream
            assertTrue(p.client().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS).isEndOfStream());
            p.server().close();
            p.client().close().get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aFinWithoutCloseNotifyIsTruncationNotEndOfStream(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            p.server().send("partial".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            p.server().transport().shutdownOutput().get(20, TimeUnit.SECONDS); // FIN, no close_notify
            IoBuffer first = p.client().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS);
            assertEquals("partial", first.toString(StandardCharsets.UTF_8));
            first.release();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.client().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS));
            assertInstanceOf(SSLException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("truncated"), e.getCause().getMessage());
            p.server().close();
            p.client().close().get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aTimedOutOrCancelledReceiveTakesNothing(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            ExecutionException timedOut = assertThrows(ExecutionException.class,
                    () -> p.client().recv(Duration.ofMillis(100)).get(20, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, timedOut.getCause());
            CompletableFuture<IoBuffer> cancelled = p.client().recv();
            assertTrue(cancelled.cancel(true));
            assertThrows(CancellationException.class, () -> cancelled.get(20, TimeUnit.SECONDS));
            p.server().send("kept".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            IoBuffer into = p.client().allocate();
            into.write("> ".getBytes(StandardCharsets.UTF_8));
            assertEquals(4, p.client().recv(into, Loopback.WAIT).get(20, TimeUnit.SECONDS));
            assertEquals("> kept", into.toString(StandardCharsets.UTF_8));
            into.release();
            assertThrows(UnsupportedOperationException.class, () -> p.client().recv().complete(IoBuffer.END_OF_STREAM));
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sendvAndSegmentsArriveInCallOrder(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            IoBuffer a = p.client().allocate().write("a");
            IoBuffer b = p.client().allocate().write("b");
            p.client().sendv(a, b);
            try (var arena = java.lang.foreign.Arena.ofShared()) {
                var segment = arena.allocateFrom("c", StandardCharsets.US_ASCII); // "c\0"
                p.client().send(segment.asSlice(0, 1)).get(20, TimeUnit.SECONDS);
            }
            p.client().send("d".getBytes(StandardCharsets.UTF_8));
            p.client().close();
            assertEquals("abcd", new String(Loopback.readAll(p.server(), Integer.MAX_VALUE), StandardCharsets.UTF_8));
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    /** A send queued behind one that cannot finish (the peer is not reading) is withdrawn; the started one is not. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aQueuedSendIsWithdrawnAStartedOneIsNot(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            byte[] big = new byte[24 << 20]; // more than loopback's socket buffers hold: it waits for the reader
            new Random(24).nextBytes(big);
            CompletableFuture<Void> first = p.client().send(big);
            CompletableFuture<Void> second = p.client().send("withdrawn".getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Void> third = p.client().send("tail".getBytes(StandardCharsets.UTF_8));
            // the first plaintext arriving proves the first send's records are being written
            IoBuffer head = p.server().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS);
            assertTrue(second.cancel(true), "a send still waiting its turn can be withdrawn");
            assertTrue(second.isCancelled());
            assertEquals(false, first.cancel(true), "withdrawing a started send would tear the stream");
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            all.write(head.toByteArray());
            head.release();
            all.write(Loopback.readAll(p.server(), big.length + 4 - all.size()));
            byte[] got = all.toByteArray();
            first.get(30, TimeUnit.SECONDS);
            third.get(30, TimeUnit.SECONDS);
            byte[] expected = java.util.Arrays.copyOf(big, big.length + 4);
            System.arraycopy("tail".getBytes(StandardCharsets.UTF_8), 0, expected, big.length, 4);
            assertArrayEquals(expected, got);
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * The writability signal counts plaintext: a peer that does not read turns the connection
     * unwritable at the high mark, whenWritable completes once it drains, and the count returns
     * to exactly 0. A send that times out is uncounted too.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void writabilityFollowsThePlaintextQueuedAndReturnsToZero(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            TlsConnection client = p.client();
            client.setWriteBufferWaterMarks(16 << 10, 64 << 10);
            assertTrue(client.isWritable());
            byte[] big = new byte[24 << 20]; // more than loopback's socket buffers hold
            new Random(7).nextBytes(big);
            CompletableFuture<Void> sent = client.send(big);
            assertEquals(false, client.isWritable(), "24 MiB queued is above the 64 KiB high mark");
            assertTrue(client.queuedSendBytes() > 0);
            CompletableFuture<Void> writable = client.whenWritable();
            assertEquals(false, writable.isDone());
            CompletableFuture<Void> late = client.whenWritable(java.time.Duration.ofMillis(50));
            java.util.concurrent.ExecutionException timedOut = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> late.get(20, TimeUnit.SECONDS));
            assertInstanceOf(java.util.concurrent.TimeoutException.class, timedOut.getCause());
            byte[] got = Loopback.readAll(p.server(), big.length);
            sent.get(30, TimeUnit.SECONDS);
            writable.get(30, TimeUnit.SECONDS);
            assertArrayEquals(big, got);
            assertEquals(0, client.queuedSendBytes());
            assertTrue(client.isWritable());
            assertThrows(IllegalArgumentException.class, () -> client.setWriteBufferWaterMarks(10, 5));
            assertThrows(IllegalArgumentException.class, () -> client.sendv(java.time.Duration.ZERO));
            client.close().get(20, TimeUnit.SECONDS);
            assertEquals(false, client.isWritable(), "a closed connection is not writable");
            java.util.concurrent.ExecutionException closed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> client.whenWritable().get(20, TimeUnit.SECONDS));
            assertInstanceOf(io.jring.ConnectionClosedException.class, closed.getCause());
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    /** sendFile over TLS reads, encrypts and sends block by block: the peer gets the range byte-exact. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void sendFileSendsTheRangeEncrypted(Backend backend, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            byte[] content = new byte[(3 << 20) + 123];
            new Random(11).nextBytes(content);
            java.nio.file.Path path = dir.resolve("payload.bin");
            java.nio.file.Files.write(path, content);
            io.jring.AsyncFile file = loop.runtime.openFile(path).get(20, TimeUnit.SECONDS);
            long from = 1000;
            long count = content.length - 2000;
            CompletableFuture<Long> sent = p.server().sendFile(file, from, count);
            byte[] got = Loopback.readAll(p.client(), (int) count);
            assertEquals(count, sent.get(30, TimeUnit.SECONDS));
            assertArrayEquals(java.util.Arrays.copyOfRange(content, (int) from, (int) (from + count)), got);
            // Past the end of the file it sends what there is.
            CompletableFuture<Long> tail = p.server().sendFile(file, content.length - 10, 100);
            assertArrayEquals(java.util.Arrays.copyOfRange(content, content.length - 10, content.length),
                    Loopback.readAll(p.client(), 10));
            assertEquals(10L, tail.get(30, TimeUnit.SECONDS));
            file.close().get(20, TimeUnit.SECONDS);
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * sendFile is ordered like any send: a send called right after it (without waiting) leaves
     * after all of the file's bytes, and one called before it leaves first.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void sendsCalledAroundASendFileKeepTheirOrder(Backend backend, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            byte[] content = new byte[(1 << 20) + 4321];
            new Random(12).nextBytes(content);
            java.nio.file.Path path = dir.resolve("ordered.bin");
            java.nio.file.Files.write(path, content);
            io.jring.AsyncFile file = loop.runtime.openFile(path).get(20, TimeUnit.SECONDS);
            byte[] head = "head:".getBytes(StandardCharsets.UTF_8);
            byte[] middle = ":middle:".getBytes(StandardCharsets.UTF_8);
            byte[] tail = ":tail".getBytes(StandardCharsets.UTF_8);
            // None waits for the one before: the order of the calls is the order on the wire.
            CompletableFuture<Void> s1 = p.server().send(java.lang.foreign.MemorySegment.ofArray(head));
            CompletableFuture<Long> f1 = p.server().sendFile(file, 0, content.length);
            CompletableFuture<Void> s2 = p.server().send(java.lang.foreign.MemorySegment.ofArray(middle));
            CompletableFuture<Long> f2 = p.server().sendFile(file, 7, 40_000);
            CompletableFuture<Void> s3 = p.server().send(java.lang.foreign.MemorySegment.ofArray(tail));
            java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            expected.write(head);
            expected.write(content);
            expected.write(middle);
            expected.write(content, 7, 40_000);
            expected.write(tail);
            byte[] got = Loopback.readAll(p.client(), expected.size());
            assertArrayEquals(expected.toByteArray(), got, "the bytes arrive in call order");
            assertEquals(content.length, f1.get(30, TimeUnit.SECONDS));
            assertEquals(40_000L, f2.get(30, TimeUnit.SECONDS));
            CompletableFuture.allOf(s1, s2, s3).get(30, TimeUnit.SECONDS);
            file.close().get(20, TimeUnit.SECONDS);
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * A cancelled sendFile stops between two blocks: the peer gets a whole prefix of the range,
     * then the send queued behind it, and the connection goes on.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCancelledSendFileStopsBetweenBlocksAndTheNextSendFollows(Backend backend,
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            byte[] content = new byte[8 << 20];
            new Random(13).nextBytes(content);
            java.nio.file.Path path = dir.resolve("cancelled.bin");
            java.nio.file.Files.write(path, content);
            io.jring.AsyncFile file = loop.runtime.openFile(path).get(20, TimeUnit.SECONDS);
            CompletableFuture<Long> sent = p.server().sendFile(file, 0, content.length);
            byte[] tail = "after the file".getBytes(StandardCharsets.UTF_8);
            CompletableFuture<Void> after = p.server().send(java.lang.foreign.MemorySegment.ofArray(tail));
            sent.cancel(true); // the client reads nothing yet: the file cannot all be out
            // Read until the tail shows up at the end.
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            while (got.size() < tail.length || !java.util.Arrays.equals(tail, java.util.Arrays.copyOfRange(
                    got.toByteArray(), got.size() - tail.length, got.size()))) {
                IoBuffer b = p.client().recv(Loopback.WAIT).get(30, TimeUnit.SECONDS);
                assertTrue(!b.isEndOfStream(), "end of stream before the tail");
                got.write(b.toByteArray());
                b.release();
                assertTrue(got.size() <= content.length + tail.length, "more bytes than the file and the tail");
            }
            after.get(30, TimeUnit.SECONDS);
            int prefix = got.size() - tail.length;
            assertArrayEquals(java.util.Arrays.copyOf(content, prefix), java.util.Arrays.copyOf(got.toByteArray(), prefix),
                    "a whole prefix of the file, then the tail");
            assertTrue(sent.isCancelled());
            // The stream is whole: the connection still carries records both ways.
            p.client().send(java.lang.foreign.MemorySegment.ofArray("ping".getBytes(StandardCharsets.UTF_8)));
            assertArrayEquals("ping".getBytes(StandardCharsets.UTF_8), Loopback.readAll(p.server(), 4));
            file.close().get(20, TimeUnit.SECONDS);
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void waitingOnTheLoopThreadThrowsInsteadOfDeadlocking(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            CompletableFuture<Throwable> seen = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<IoBuffer>> queued = new CompletableFuture<>();
            p.server().executor().execute(() -> {
                try {
                    CompletableFuture<IoBuffer> recv = p.server().recv();
                    queued.complete(recv);
                    recv.join(); // nothing has arrived: waiting here would hang the loop forever
                    seen.complete(null);
                } catch (Throwable t) {
                    seen.complete(t);
                }
            });
            Throwable t = seen.get(20, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, t);
            assertTrue(t.getMessage().contains("deadlock"), t.getMessage());
            p.client().send("x".getBytes(StandardCharsets.UTF_8));
            IoBuffer x = queued.get(20, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
            assertEquals("x", x.toString(StandardCharsets.UTF_8), "the recv queued there got the byte");
            x.release();
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }

    /** Four threads sending at once: each send's records leave whole, in each thread's order. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void concurrentSendersNeverInterleave(Backend backend) throws Exception {
        int threads = 4;
        int perThread = 40;
        int size = 20_000; // more than one record and more than one block
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            java.util.List<Thread> senders = new java.util.ArrayList<>();
            java.util.List<CompletableFuture<Void>> sent = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int thread = t;
                senders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int id = thread * 1000 + i;
                        byte[] message = new byte[size];
                        java.nio.ByteBuffer.wrap(message).putInt(id);
                        java.util.Arrays.fill(message, 4, size, (byte) id);
                        sent.add(p.client().send(message));
                    }
                }));
            }
            for (Thread t : senders) {
                t.join();
            }
            byte[] got = Loopback.readAll(p.server(), threads * perThread * size);
            assertEquals(threads * perThread * size, got.length);
            int[] next = new int[threads];
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(got);
            while (in.hasRemaining()) {
                int id = in.getInt();
                int thread = id / 1000;
                assertEquals(next[thread]++, id % 1000, "thread " + thread + "'s sends arrive in its order");
                for (int k = 4; k < size; k++) {
                    if (in.get() != (byte) id) {
                        throw new AssertionError("message " + id + " is interleaved with another at byte " + k);
                    }
                }
            }
            for (CompletableFuture<Void> f : sent) {
                f.get(20, TimeUnit.SECONDS);
            }
            p.client().close().get(20, TimeUnit.SECONDS);
            p.server().close().get(20, TimeUnit.SECONDS);
        }
    }
}
