package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.snippets.ApiSnippets;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream side of Unix domain connections: half-close, the peer going away mid-receive,
 * every {@link Connection} operation (sendv, sendFile, the blocking streams, deadlines, cancel),
 * 200 connections at once through the one shared listening socket, and a client that never
 * reads while the server sends (bounded by the writability marks).
 */
public abstract class UnixStreamContract extends RuntimeTestBase {
    @TempDir
    Path dir;

    /** A connection the runtime accepted on a Unix path, and the JDK peer at its other end. */
    private record UnixPair(IoRuntime runtime, Connection connection, UnixPeer peer) {}

    private UnixPair accepted(int threads) throws Exception {
        IoRuntime runtime = open(threads);
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        Listener listener = runtime.listen(address);
        CompletableFuture<Connection> accepted = listener.accept();
        UnixPeer peer = closeLater(UnixPeer.connect(address));
        return new UnixPair(runtime, Await.get(accepted), peer);
    }

    @Test
    void halfCloseBothWays() throws Exception {
        UnixPair pair = accepted(1);
        int baseline = idleBaseline(pair.runtime());
        byte[] request = Payloads.random(10, 50_000);
        pair.peer().write(request);
        pair.peer().channel.shutdownOutput();
        assertArrayEquals(request, Await.get(ApiIo.readToEnd(pair.connection())), "bytes before the peer's FIN, then end of stream");
        assertTrue(Await.get(pair.connection().recv(Duration.ofSeconds(5))).isEndOfStream(), "end of stream again");

        byte[] response = Payloads.random(11, 70_000);
        CompletableFuture<Void> sent = pair.connection().send(response);
        CompletableFuture<Void> shutdown = pair.connection().shutdownOutput();
        assertArrayEquals(response, pair.peer().readToEnd(), "our bytes, then our end of stream");
        Await.get(sent);
        Await.get(shutdown);
        Await.get(pair.connection().close());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void aPeerThatClosesMidReceiveEndsTheStream() throws Exception {
        UnixPair pair = accepted(1);
        CompletableFuture<IoBuffer> waiting = pair.connection().recv();
        Thread.sleep(50); // let the receive reach the kernel (the outcome is the same if not)
        pair.peer().close();
        assertTrue(Await.get(waiting).isEndOfStream());
        Await.get(pair.connection().close());
    }

    @Test
    void aPeerThatClosesWithUnreadBytesResetsTheReceiveWaitingHere() throws Exception {
        UnixPair pair = accepted(1);
        Await.get(pair.connection().send(Payloads.random(12, 1000))); // the peer never reads these
        CompletableFuture<IoBuffer> waiting = pair.connection().recv();
        Thread.sleep(50);
        pair.peer().close(); // AF_UNIX: closing with unread data resets the other end
        NativeIoException reset = Await.failure(waiting, NativeIoException.class);
        assertEquals("ECONNRESET", reset.errnoName(), reset.getMessage());
        Await.get(pair.connection().close());
    }

    @Test
    void everyConnectionOperationWorksOverUnix() throws Exception {
        UnixPair pair = accepted(1);
        Connection connection = pair.connection();
        int baseline = idleBaseline(pair.runtime());

        // sendv: three buffers gathered, in order.
        List<IoBuffer> parts = new ArrayList<>();
        for (String part : List.of("one,", "two,", "three")) {
            parts.add(connection.allocate().write(part));
        }
        Await.get(connection.sendv(parts.toArray(IoBuffer[]::new)));
        assertEquals("one,two,three", new String(pair.peer().readExactly(13), StandardCharsets.US_ASCII));

        // sendFile: a file's range, byte-exact.
        byte[] content = Payloads.random(13, 300_000);
        Path file = Files.write(dir.resolve("data.bin"), content);
        AsyncFile opened = Await.get(pair.runtime().openFile(file));
        assertEquals(200_000L, Await.get(connection.sendFile(opened, 50_000, 200_000)));
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 50_000, 250_000), pair.peer().readExactly(200_000));
        Await.get(opened.close());

        // A receive deadline, then cancel; the connection goes on and loses nothing.
        assertInstanceOf(TimeoutException.class, Await.failure(connection.recv(Duration.ofMillis(100))));
        CompletableFuture<IoBuffer> cancelled = connection.recv();
        cancelled.cancel(true);
        pair.peer().write("after".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("after".getBytes(StandardCharsets.US_ASCII), Await.get(ApiIo.readExactly(connection, 5)));

        // The blocking streams, on a virtual thread.
        CompletableFuture<String> viaStreams = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                InputStream in = connection.inputStream().setTimeout(Duration.ofSeconds(10));
                OutputStream out = connection.outputStream();
                byte[] line = in.readNBytes(4);
                out.write(line);
                out.flush();
                viaStreams.complete(new String(line, StandardCharsets.US_ASCII));
            } catch (Exception e) {
                viaStreams.completeExceptionally(e);
            }
        });
        pair.peer().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ping", new String(pair.peer().readExactly(4), StandardCharsets.US_ASCII));
        assertEquals("ping", Await.get(viaStreams));

        // A send deadline against a peer that does not read: times out, then close.
        try (Arena arena = Arena.ofShared()) {
            CompletableFuture<Void> stuck = connection.send(StalledPeer.pattern(arena, 32L << 20, 0), Duration.ofMillis(300));
            assertInstanceOf(TimeoutException.class, Await.failure(stuck));
        }
        Await.get(connection.abort()); // a plain close on AF_UNIX
        assertFalse(connection.isOpen());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void twoHundredConnectionsAtOnceThroughTheOneSharedSocket() throws Exception {
        IoRuntime runtime = open(2);
        int baseline = idleBaseline(runtime);
        SocketAddress address = UnixDomainSocketAddress.of(dir.resolve("many.sock"));
        Map<String, AtomicInteger> acceptedOnLoop = new ConcurrentHashMap<>();
        Listener listener = runtime.listen(address);
        listener.onAccept(connection -> {
            acceptedOnLoop.computeIfAbsent(Thread.currentThread().getName(), name -> new AtomicInteger()).incrementAndGet();
            ApiSnippets.echo(connection);
        });
        int count = 200;
        List<CompletableFuture<Connection>> connecting = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            connecting.add(runtime.connect(address, Duration.ofSeconds(20)));
        }
        List<Connection> clients = new ArrayList<>();
        List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Connection client = Await.get(connecting.get(i));
            clients.add(client);
            client.send(("client " + i + ";").getBytes(StandardCharsets.US_ASCII));
            echoes.add(ApiIo.readExactly(client, ("client " + i + ";").length()));
        }
        Set<String> distinct = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < count; i++) {
            String echoed = new String(Await.get(echoes.get(i)), StandardCharsets.US_ASCII);
            assertEquals("client " + i + ";", echoed);
            distinct.add(echoed);
        }
        assertEquals(count, distinct.size());
        assertEquals(count, acceptedOnLoop.values().stream().mapToInt(AtomicInteger::get).sum(), "each accepted once");
        System.out.println("unix listener, " + backend() + ": connections accepted per loop " + acceptedOnLoop);
        clients.forEach(Connection::close);
        Await.get(listener.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aConnectToAFullAcceptQueueFailsAtOnceWithEagainAndTheNextOneWorksOnceItDrains() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("full.sock"));
        Listener listener = runtime.listen(address, ListenOptions.DEFAULT.withBacklog(1));
        List<CompletableFuture<Connection>> connecting = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            connecting.add(runtime.connect(address, Duration.ofSeconds(20)));
        }
        int connected = 0;
        int refused = 0;
        for (CompletableFuture<Connection> connect : connecting) {
            Throwable error = Await.get(connect.handle((connection, e) -> e)); // null: it connected
            if (error == null) {
                connected++;
                continue;
            }
            NativeIoException full = assertInstanceOf(NativeIoException.class, error);
            assertEquals("EAGAIN", full.errnoName(), full.getMessage());
            assertTrue(full.getMessage().contains("backlog") && full.getMessage().contains(address.getPath().toString()),
                    full.getMessage());
            refused++;
        }
        assertTrue(connected >= 1 && refused >= 1, connected + " connected, " + refused + " refused");
        Await.get(listener.accept()).close();
        Await.get(Await.get(runtime.connect(address, Duration.ofSeconds(20))).close()); // room again: it connects
        Await.get(listener.close());
    }

    @Test
    void aClientThatNeverReadsHoldsAtMostTheWritabilityBound() throws Exception {
        UnixPair pair = accepted(1);
        Connection connection = pair.connection();
        int baseline = idleBaseline(pair.runtime());
        int chunk = 16 * 1024;
        AtomicLong produced = new AtomicLong();
        CompletableFuture<Void> stalled = new CompletableFuture<>();
        // The README's producer: send while writable, wait for whenWritable otherwise.
        Runnable[] produce = new Runnable[1];
        produce[0] = () -> {
            while (connection.isWritable() && produced.get() < (256L << 20)) {
                IoBuffer buffer = connection.allocate();
                byte[] bytes = new byte[chunk];
                for (int i = 0; i < chunk; i++) {
                    bytes[i] = Payloads.patternAt(produced.get() + i);
                }
                buffer.write(bytes);
                produced.addAndGet(chunk);
                connection.send(buffer);
            }
            stalled.complete(null);
            connection.whenWritable().thenRun(produce[0]);
        };
        connection.executor().execute(produce[0]);
        Await.get(stalled);
        Thread.sleep(200); // the peer still reads nothing: nothing may grow
        long queued = connection.queuedSendBytes();
        assertTrue(queued <= connection.writeBufferHighWaterMark() + chunk,
                "queued " + queued + " bytes, over the high mark " + connection.writeBufferHighWaterMark());
        assertTrue(pair.runtime().buffersInUse() <= baseline + 8,
                "buffers held " + pair.runtime().buffersInUse() + ", baseline " + baseline);
        assertTrue(produced.get() < (16L << 20), "the producer stalled after " + produced.get() + " bytes");

        // The peer reads now: what was produced arrives byte-exact, and production resumes.
        long before = produced.get();
        byte[] got = pair.peer().readExactly((int) before);
        assertEquals(-1, Payloads.firstPatternMismatch(got, got.length, 0));
        Await.until(() -> produced.get() > before, 10_000, () -> "production did not resume");
        Await.get(connection.close());
        assertBuffersBackTo(pair.runtime(), baseline);
    }
}
