package io.jring;

import static io.jring.StalledPeer.MIB;
import static io.jring.StalledPeer.MORE_THAN_THE_KERNEL_HOLDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection.inputStream()/outputStream() and Listener.acceptBlocking() from blocking code on
 * virtual (and platform) threads, against plain java.net sockets: bytes exact, end of stream,
 * partial reads, timeouts, interrupts, a writer parked by a peer that does not read, close from
 * another thread, a thousand virtual threads, loop threads refused, and every buffer back.
 */
public abstract class BlockingStreamContract extends RuntimeTestBase {

    private static final int ECHO_CHUNK = 8192;

    /** Copies everything the connection receives back to it, on the calling thread, until end of stream. */
    private static long echoUntilEnd(Connection connection) throws IOException {
        try (InputStream in = connection.inputStream(); OutputStream out = connection.outputStream()) {
            byte[] chunk = new byte[ECHO_CHUNK];
            long total = 0;
            int n;
            while ((n = in.read(chunk)) >= 0) {
                out.write(chunk, 0, n);
                total += n;
            }
            out.flush();
            return total;
        }
    }

    private static <T> T onVirtualThread(Callable<T> body, Duration bound) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name("blocking-test").start(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    interface Callable<T> {
        T call() throws Exception;
    }

    /** Waits (bounded) until {@code thread} is parked. */
    private static void awaitParked(Thread thread) {
        Await.until(() -> thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING,
                10_000, () -> thread + " never parked: " + thread.getState());
    }

    @Test
    void roundTripsAreByteExactUpToTenMebibytes() throws Exception {
        IoRuntime runtime = open(1);
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        for (int size : new int[] {1, 1000, 100_000, 10 * MIB}) {
            CompletableFuture<Long> echoed = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    echoed.complete(echoUntilEnd(listener.acceptBlocking()));
                } catch (Throwable t) {
                    echoed.completeExceptionally(t);
                }
            });
            try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
                byte[] payload = Payloads.random(size, size);
                byte[] back = peer.echo(payload);
                assertArrayEquals(payload, back, "echo of " + size + " bytes");
                peer.socket.shutdownOutput();
                assertEquals(-1, peer.in.read(), "the stream's close ends the peer's stream");
            }
            assertEquals(size, Await.get(echoed));
        }
        Await.get(listener.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void partialReadsKeepTheRestAndEndOfStreamIsMinusOneEveryTime() throws Exception {
        Pair pair = accepted(open(1));
        ConnectionInputStream in = pair.connection().inputStream();
        pair.peer().write("hello");
        String result = onVirtualThread(() -> {
            byte[] three = new byte[3];
            int first = in.read(three, 0, 3);
            StringBuilder got = new StringBuilder(new String(three, 0, first, StandardCharsets.US_ASCII));
            byte[] rest = new byte[16];
            while (got.length() < 5) {
                int n = in.read(rest);
                got.append(new String(rest, 0, n, StandardCharsets.US_ASCII));
            }
            return got + "|" + in.read(new byte[0]) + "|" + in.available();
        }, Duration.ofSeconds(30));
        assertEquals("hello|0|0", result);

        pair.peer().write("xy");
        pair.peer().socket.shutdownOutput();
        assertEquals("x", onVirtualThread(() -> String.valueOf((char) in.read()), Duration.ofSeconds(30)));
        Await.until(() -> callQuietly(in::available) == 1, 10_000, () -> "available() should count the kept byte");
        assertEquals('y', readOne(in));
        assertEquals(-1, readOne(in));
        assertEquals(-1, onVirtualThread(() -> in.read(new byte[4]), Duration.ofSeconds(30)), "-1 again after the end");
        assertTrue(pair.connection().isOpen(), "end of stream does not close the connection (Socket's neither)");
        in.close();
        assertThrows(SocketException.class, in::read, "read after close");
    }

    /** One byte read on a virtual thread. */
    private static int readOne(InputStream in) throws Exception {
        return onVirtualThread(in::read, Duration.ofSeconds(30));
    }

    private static int callQuietly(Callable<Integer> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return -2;
        }
    }

    @Test
    void aReadTimeoutThrowsSocketTimeoutExceptionAndTheStreamGoesOn() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        ConnectionInputStream in = pair.connection().inputStream().setTimeout(Duration.ofMillis(200));
        ExecutionFailure failure = failureOf(() -> onVirtualThread(in::read, Duration.ofSeconds(30)));
        assertInstanceOf(SocketTimeoutException.class, failure.cause, failure::describe);
        pair.peer().write("z");
        assertEquals('z', readOne(in), "the byte sent after the timeout is read");
        assertThrows(IllegalArgumentException.class, () -> in.setTimeout(Duration.ZERO));
        in.close();
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void anAcceptTimeoutThrowsSocketTimeoutExceptionAndTheListenerGoesOn() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        ExecutionFailure failure = failureOf(() -> onVirtualThread(
                () -> listener.acceptBlocking(Duration.ofMillis(200)), Duration.ofSeconds(30)));
        assertInstanceOf(SocketTimeoutException.class, failure.cause, failure::describe);
        try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
            Connection accepted = onVirtualThread(listener::acceptBlocking, Duration.ofSeconds(30));
            peer.write("a");
            assertEquals('a', onVirtualThread(() -> accepted.inputStream().read(), Duration.ofSeconds(30)));
            Await.get(accepted.close());
        }
    }

    @Test
    void interruptingABlockedReadCancelsItAndLosesNothing() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        ConnectionInputStream in = pair.connection().inputStream();
        for (Thread.Builder builder : List.of(Thread.ofVirtual(), Thread.ofPlatform())) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
            Thread reader = builder.start(() -> {
                try {
                    in.read();
                } catch (Throwable t) {
                    thrown.set(t);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            awaitParked(reader);
            reader.interrupt();
            reader.join(10_000);
            assertFalse(reader.isAlive(), "the interrupted reader did not return");
            assertInstanceOf(InterruptedIOException.class, thrown.get(), () -> String.valueOf(thrown.get()));
            assertTrue(stillInterrupted.get(), "the interrupt status stays set");
        }
        pair.peer().write("after");
        byte[] five = new byte[5];
        assertEquals("after", onVirtualThread(() -> {
            int at = 0;
            while (at < 5) {
                at += in.read(five, at, 5 - at);
            }
            return new String(five, StandardCharsets.US_ASCII);
        }, Duration.ofSeconds(30)), "the stream goes on after interrupted reads, nothing lost");
        in.close();
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aWriterIsParkedByAPeerThatDoesNotReadAndResumesWhenItDrains() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepting = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepting);
        int baseline = idleBaseline(runtime);
        long total = MORE_THAN_THE_KERNEL_HOLDS;
        byte[] payload = new byte[(int) total];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = Payloads.patternAt(i);
        }
        ConnectionOutputStream out = connection.outputStream();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().name("parked-writer").start(() -> {
            try {
                out.write(payload, 0, 3 * MIB); // several writes: each queues and returns
                out.write(payload, 3 * MIB, payload.length - 3 * MIB);
                out.flush();
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        awaitParked(writer);
        long bound = connection.writeBufferHighWaterMark() + ConnectionOutputStream.PIECE;
        for (int i = 0; i < 5; i++) {
            Thread.sleep(50);
            assertTrue(writer.isAlive(), "the writer finished although the peer read nothing");
            assertTrue(connection.queuedSendBytes() <= bound,
                    "a parked writer must hold at most " + bound + " queued bytes, holds " + connection.queuedSendBytes());
        }
        AtomicLong read = new AtomicLong();
        Thread drain = StalledPeer.drain(peer, total, read);
        writer.join(45_000);
        assertFalse(writer.isAlive(), "the writer never resumed after the peer drained");
        assertEquals(null, failed.get());
        StalledPeer.awaitDrained(drain, read, total);
        assertEquals(0, connection.queuedSendBytes(), "flush returned with bytes still queued");
        out.close();
        assertEquals(-1, peer.in.read(), "closing the output stream closed the connection");
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aWriteTimeoutOrInterruptSaysHowManyBytesWereQueuedAndTheRestAreNot() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepting = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepting);
        byte[] payload = new byte[MORE_THAN_THE_KERNEL_HOLDS];
        ConnectionOutputStream out = connection.outputStream().setTimeout(Duration.ofMillis(300));
        ExecutionFailure timedOut = failureOf(() -> onVirtualThread(() -> {
            out.write(payload);
            return null;
        }, Duration.ofSeconds(30)));
        SocketTimeoutException timeout = assertInstanceOf(SocketTimeoutException.class, timedOut.cause, timedOut::describe);
        assertTrue(timeout.bytesTransferred > 0 && timeout.bytesTransferred < payload.length,
                "bytesTransferred " + timeout.bytesTransferred);
        assertTrue(connection.queuedSendBytes() <= connection.writeBufferHighWaterMark() + ConnectionOutputStream.PIECE);

        out.setTimeout(null);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                out.write(payload);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitParked(writer);
        writer.interrupt();
        writer.join(10_000);
        assertFalse(writer.isAlive());
        InterruptedIOException interrupted = assertInstanceOf(InterruptedIOException.class, thrown.get());
        assertFalse(interrupted instanceof SocketTimeoutException);
        // Usually 0 (the connection stayed unwritable), but a slow machine can let the kernel take
        // more of the first write's bytes meanwhile, making room: whatever it says it queued must
        // reach the peer, and nothing more.
        assertTrue(interrupted.bytesTransferred >= 0 && interrupted.bytesTransferred < payload.length,
                "bytesTransferred " + interrupted.bytesTransferred);
        assertTrue(connection.isOpen(), "an interrupted write leaves the connection open");

        // What was queued goes out whole, in order: exactly the bytes the two writes said they queued.
        long expected = timeout.bytesTransferred + interrupted.bytesTransferred;
        AtomicLong read = new AtomicLong();
        Thread drain = Thread.ofPlatform().start(() -> {
            try {
                read.set(peer.in.transferTo(OutputStream.nullOutputStream()));
            } catch (IOException e) {
                read.set(-1);
            }
        });
        onVirtualThread(() -> {
            out.flush();
            return null;
        }, Duration.ofSeconds(30));
        out.close();
        drain.join(30_000);
        assertEquals(expected, read.get(), "the peer got exactly the queued bytes, then end of stream");
    }

    @Test
    void closeFromAnotherThreadWakesABlockedReader() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        ConnectionInputStream in = pair.connection().inputStream();
        pair.peer().write("0123456789");
        assertEquals('0', readOne(in)); // nine bytes kept in the stream
        Await.until(() -> callQuietly(in::available) == 9, 10_000, () -> "9 bytes kept");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        byte[] sink = new byte[100];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    in.read(sink); // the kept nine bytes, then it parks
                }
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitParked(reader);
        in.close();
        reader.join(10_000);
        assertFalse(reader.isAlive(), "close() did not wake the reader");
        assertInstanceOf(SocketException.class, thrown.get(), () -> String.valueOf(thrown.get()));
        Await.until(() -> !pair.connection().isOpen(), 10_000, () -> "closing the input stream closes the connection");
        assertEquals(-1, pair.peer().in.read());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closeFromAnotherThreadWakesAWriterParkedByAPeerThatDoesNotRead() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepting = accept(listener);
        closeLater(connectPeer(listener.localAddress(), StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepting);
        int baseline = idleBaseline(runtime);
        ConnectionOutputStream out = connection.outputStream();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                out.write(new byte[MORE_THAN_THE_KERNEL_HOLDS]);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitParked(writer);
        out.close();
        writer.join(10_000);
        assertFalse(writer.isAlive(), "close() did not wake the writer");
        assertInstanceOf(SocketException.class, thrown.get(), () -> String.valueOf(thrown.get()));
        assertThrows(SocketException.class, () -> out.write(1), "write after close");
        // The peer never reads: the queued bytes cannot go out, so the close waits its linger
        // (30 s) before closing; the runtime's close at the end of the test returns the buffers.
        assertTrue(connection.queuedSendBytes() <= connection.writeBufferHighWaterMark() + ConnectionOutputStream.PIECE);
        Await.get(connection.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closingTheStreamMidBufferReturnsTheBuffer() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        ConnectionInputStream in = pair.connection().inputStream();
        pair.peer().write(new byte[4000]);
        assertEquals(10, onVirtualThread(() -> in.read(new byte[10]), Duration.ofSeconds(30)));
        in.close();
        in.close(); // idempotent
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closingTheOutputStreamSendsWhatWasQueuedThenEnds() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        byte[] payload = Payloads.random(7, 3 * MIB);
        onVirtualThread(() -> {
            OutputStream out = pair.connection().outputStream();
            out.write(payload);
            out.close(); // no flush: the queued bytes still go out before the close
            return null;
        }, Duration.ofSeconds(30));
        assertArrayEquals(payload, pair.peer().readToEnd());
        Await.until(() -> !pair.connection().isOpen(), 10_000, () -> "the connection stayed open");
    }

    @Test
    void shutdownOutputHalfClosesAndReadingGoesOn() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        ConnectionInputStream in = pair.connection().inputStream();
        ConnectionOutputStream out = pair.connection().outputStream();
        onVirtualThread(() -> {
            out.write("request".getBytes(StandardCharsets.US_ASCII));
            Await.get(pair.connection().shutdownOutput());
            return null;
        }, Duration.ofSeconds(30));
        assertEquals("request", new String(pair.peer().readToEnd(), StandardCharsets.US_ASCII));
        pair.peer().write("reply");
        pair.peer().socket.shutdownOutput();
        byte[] all = onVirtualThread(in::readAllBytes, Duration.ofSeconds(30));
        assertEquals("reply", new String(all, StandardCharsets.US_ASCII));
        ExecutionFailure failure = failureOf(() -> onVirtualThread(() -> {
            out.write(1);
            out.flush();
            return null;
        }, Duration.ofSeconds(30)));
        assertInstanceOf(IOException.class, failure.cause, failure::describe); // EPIPE: the output is shut
        in.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aThousandVirtualThreadsEachWithAConnection() throws Exception {
        int connections = 1000;
        IoRuntime runtime = open(2);
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT, ListenOptions.DEFAULT.withBacklog(2048));
        ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
        Thread acceptor = Thread.ofVirtual().name("acceptor").start(() -> {
            for (int i = 0; i < connections; i++) {
                try {
                    Connection connection = listener.acceptBlocking();
                    Thread.ofVirtual().start(() -> {
                        try {
                            echoUntilEnd(connection);
                        } catch (Throwable t) {
                            serverErrors.add(t);
                        }
                    });
                } catch (Throwable t) {
                    serverErrors.add(t);
                    return;
                }
            }
        });
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                int id = i;
                results.add(clients.submit(() -> {
                    Connection connection = Await.get(runtime.connect(listener.localAddress()));
                    byte[] message = Payloads.random(id, 1 + id % 3000);
                    try (InputStream in = connection.inputStream(); OutputStream out = connection.outputStream()) {
                        out.write(message);
                        out.flush();
                        ByteArrayOutputStream echoed = new ByteArrayOutputStream();
                        byte[] chunk = new byte[1024];
                        while (echoed.size() < message.length) {
                            int n = in.read(chunk);
                            if (n < 0) {
                                return false;
                            }
                            echoed.write(chunk, 0, n);
                        }
                        return java.util.Arrays.equals(message, echoed.toByteArray());
                    }
                }));
            }
            int echoed = 0;
            for (Future<Boolean> result : results) {
                if (result.get(60, TimeUnit.SECONDS)) {
                    echoed++;
                }
            }
            assertEquals(connections, echoed, "connections echoed byte for byte");
        }
        acceptor.join(30_000);
        assertTrue(serverErrors.isEmpty(), () -> serverErrors.size() + " server errors, e.g. " + serverErrors.peek());
        Await.get(listener.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void blockingCallsOnALoopThreadAreRefusedWithAHint() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        ConnectionInputStream in = pair.connection().inputStream();
        ConnectionOutputStream out = pair.connection().outputStream();
        CompletableFuture<List<Throwable>> refused = new CompletableFuture<>();
        pair.connection().executor().execute(() -> {
            List<Throwable> errors = new ArrayList<>();
            for (Callable<?> call : List.<Callable<?>>of(in::read, () -> {
                out.write(1);
                return null;
            }, () -> {
                out.flush();
                return null;
            }, listener::acceptBlocking)) {
                try {
                    call.call();
                    errors.add(null);
                } catch (Throwable t) {
                    errors.add(t);
                }
            }
            refused.complete(errors);
        });
        for (Throwable error : Await.get(refused)) {
            IllegalStateException refusal = assertInstanceOf(IllegalStateException.class, error);
            assertTrue(refusal.getMessage().contains("virtual thread"), refusal.getMessage());
        }
        assertEquals(0, pair.connection().queuedSendBytes(), "the refused write queued nothing");
        pair.peer().write("!");
        assertEquals('!', readOne(in), "the stream still works off the loop");
        Await.get(listener.close());
        in.close();
    }

    private record ExecutionFailure(Throwable cause) {
        String describe() {
            return "expected another failure, got " + cause;
        }
    }

    /** What {@code body} threw, unwrapped from the ExecutionException of onVirtualThread. */
    private static ExecutionFailure failureOf(Callable<?> body) {
        try {
            body.call();
            return new ExecutionFailure(null);
        } catch (java.util.concurrent.ExecutionException e) {
            return new ExecutionFailure(e.getCause());
        } catch (Exception e) {
            return new ExecutionFailure(e);
        }
    }
}
