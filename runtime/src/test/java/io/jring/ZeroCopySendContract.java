package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Zero-copy sends ({@link IoRuntimeOptions#withZeroCopySendThreshold(int)}) over real loopback
 * sockets: large sends byte-exact, in order with small plain sends between them, the user's
 * buffer unusable after the send took it, cancel and close while the kernel still holds the
 * memory, and the counts in {@link IoRuntime#stats()}. On io_uring the sends at or above the
 * threshold really go through SEND_ZC (the stats prove it); with SEND_ZC hidden
 * ({@link #hiddenOps()}) and on epoll the same tests run the plain-send fallback.
 */
public abstract class ZeroCopySendContract extends RuntimeTestBase {
    /** The threshold these tests set: a pooled block's worth (16 KiB) goes zero-copy, 100 bytes do not. */
    static final int THRESHOLD = 16 * 1024;
    private static final int MIB = 1 << 20;

    /** {@code -Djring.probe.hideOps} for this suite's runtimes ("" for none). */
    protected String hiddenOps() {
        return "";
    }

    /** Whether sends at or above the threshold must go through SEND_ZC here. */
    private boolean zeroCopyExpected() {
        return backend() == Backend.IO_URING && !hiddenOps().contains("SEND_ZC");
    }

    /** One loop, zero-copy from {@link #THRESHOLD} on, opcodes hidden as asked. */
    private IoRuntime runtime() throws IOException {
        String before = System.getProperty("jring.probe.hideOps");
        System.setProperty("jring.probe.hideOps", hiddenOps());
        try {
            return open(IoRuntimeOptions.defaults().withThreads(1).withZeroCopySendThreshold(THRESHOLD));
        } finally {
            if (before == null) {
                System.clearProperty("jring.probe.hideOps");
            } else {
                System.setProperty("jring.probe.hideOps", before);
            }
        }
    }

    /** A segment of the stream pattern for stream offsets [offset, offset + size). */
    private static MemorySegment pattern(Arena arena, long size, long offset) {
        return StalledPeer.pattern(arena, size, offset);
    }

    private static void assertPattern(byte[] got, long offset) {
        long mismatch = Payloads.firstPatternMismatch(got, got.length, offset);
        assertEquals(-1, mismatch, () -> "byte at stream offset " + mismatch + " is wrong");
    }

    @Test
    void largeSendsArriveByteExactAndAreCounted() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        long offset = 0;
        List<Long> sizes = List.of((long) MIB, 64L * 1024, (long) THRESHOLD);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pair.peer().readExactly((int) sizes.stream().mapToLong(Long::longValue).sum());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Arena arena = Arena.ofConfined()) {
            for (long size : sizes) {
                Await.get(pair.connection().send(pattern(arena, size, offset)));
                offset += size;
            }
        }
        assertPattern(Await.get(read), 0);
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);

        RuntimeStats stats = runtime.stats();
        if (zeroCopyExpected()) {
            assertTrue(stats.zeroCopySends() >= sizes.size(), () -> "zero-copy sends not counted: " + stats);
            // Loopback delivers locally, so the kernel copies every zero-copy send, and says so.
            assertTrue(stats.zeroCopyCopied() > 0, () -> "loopback sends not reported copied: " + stats);
            assertTrue(stats.zeroCopyCopied() <= stats.zeroCopySends(), stats::toString);
        } else {
            assertEquals(0, stats.zeroCopySends(), stats::toString);
            assertEquals(0, stats.zeroCopyCopied(), stats::toString);
        }
    }

    @Test
    void pooledBufferAtTheThresholdGoesAndCannotBeTouchedAfterTheSendTookIt() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        IoBuffer buffer = pair.connection().allocate();
        assertTrue(buffer.writableBytes() >= THRESHOLD, "a pooled block holds the threshold");
        byte[] bytes = new byte[THRESHOLD];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = Payloads.patternAt(i);
        }
        buffer.write(bytes, 0, bytes.length);
        CompletableFuture<Void> sent = pair.connection().send(buffer);
        // The runtime owns the buffer until the kernel's notification: the user cannot free it
        // ("a send took it", or "it was released" once the runtime gave it back already).
        IllegalStateException refused = assertThrows(IllegalStateException.class, buffer::release);
        assertTrue(refused.getMessage().contains("send") || refused.getMessage().contains("released"),
                refused.getMessage());
        assertThrows(IllegalStateException.class, () -> buffer.getByte(0));
        Await.get(sent);
        assertPattern(pair.peer().readExactly(THRESHOLD), 0);

        // A segment from an arena closed right after the call: the send copied it first.
        MemorySegment copied;
        try (Arena arena = Arena.ofConfined()) {
            copied = pattern(arena, 64 * 1024, THRESHOLD);
            sent = pair.connection().send(copied);
        }
        assertFalse(copied.scope().isAlive());
        Await.get(sent);
        assertPattern(pair.peer().readExactly(64 * 1024), THRESHOLD);
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void smallPlainSendsAndLargeZeroCopySendsKeepTheirOrder() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        long offset = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 60; i++) {
                long size = switch (i % 4) {
                    case 0 -> 100;                 // plain
                    case 1 -> 64 * 1024;           // zero-copy, a copy too big for one block
                    case 2 -> 1;                   // plain
                    default -> THRESHOLD;          // zero-copy, exactly the threshold, one pooled block
                };
                if (i % 4 == 3) {
                    IoBuffer buffer = pair.connection().allocate();
                    buffer.write(pattern(arena, size, offset));
                    sends.add(pair.connection().send(buffer)); // not waiting: they queue, in call order
                } else {
                    sends.add(pair.connection().send(pattern(arena, size, offset)));
                }
                offset += size;
            }
        }
        long total = offset;
        AtomicLong readSoFar = new AtomicLong();
        Thread drain = StalledPeer.drain(pair.peer(), total, readSoFar);
        for (CompletableFuture<Void> send : sends) {
            Await.get(send);
        }
        drain.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(drain.isAlive(), "the peer did not get every byte");
        assertEquals(total, readSoFar.get(), "the peer read the wrong bytes or too few");
        Await.get(pair.connection().close());
        assertBuffersBackTo(runtime, baseline);
        if (zeroCopyExpected()) {
            assertTrue(runtime.stats().zeroCopySends() >= 30, () -> runtime.stats().toString());
        }
    }

    /**
     * The send's future completes once its bytes are queued on the socket, but a zero-copy send
     * keeps its pooled block until the kernel's notification, which cannot come before the peer
     * has the bytes: with the peer's window shut, the block stays held after the future
     * completed, and comes back (with the bytes intact) only once the peer reads.
     */
    @Test
    void theBlockStaysHeldUntilThePeerHasTheBytes() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(),
                StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepted);
        // Room on our side for what the peer's shut window leaves queued (Linux caps it at wmem_max, doubled).
        connection.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 1 << 20);
        int queued = Math.min(128 * 1024, connection.getOption(java.net.StandardSocketOptions.SO_SNDBUF) / 2);
        CompletableFuture<Void> filler;
        try (Arena arena = Arena.ofConfined()) {
            filler = connection.send(pattern(arena, queued, 0)); // fills the peer's window, the rest waits on our side
        }
        IoBuffer block = connection.allocate();
        block.write(pattern(Arena.ofAuto(), THRESHOLD, queued));
        Await.get(filler);
        Await.get(connection.send(block)); // queued on the socket: done for the user
        if (zeroCopyExpected()) {
            Thread.sleep(100); // nothing can bring the notification: the peer's window is shut
            assertTrue(runtime.buffersInUse() > baseline, () -> "the block was given back while the kernel still"
                    + " had to send from it: " + runtime.buffersInUse() + " in use, baseline " + baseline);
        }
        assertPattern(peer.readExactly(queued + THRESHOLD), 0);
        assertBuffersBackTo(runtime, baseline);
        Await.get(connection.close());
    }

    @Test
    void cancelWhileTheKernelHoldsTheSendEndsItOnceAndGivesTheMemoryBackLater() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(),
                StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepted);
        CompletableFuture<Void> sent;
        try (Arena arena = Arena.ofConfined()) {
            sent = connection.send(pattern(arena, StalledPeer.MORE_THAN_THE_KERNEL_HOLDS, 0));
        }
        Thread.sleep(200); // the kernel took part of it: it waits for room the peer never makes
        assertFalse(sent.isDone(), "a send larger than the kernel holds completed against a peer that does not read");
        assertTrue(sent.cancel(true));
        assertThrows(CancellationException.class, sent::join);
        assertTrue(sent.isCancelled());
        assertFalse(sent.cancel(true), "a second cancel changed nothing");

        // The stream is cut at an unknown place, but what the peer gets is the pattern's prefix.
        CompletableFuture<Void> closed = connection.close();
        Await.get(closed); // the close does not wait for the peer to read
        byte[] got = peer.readToEnd();
        assertTrue(got.length > 0 && got.length < StalledPeer.MORE_THAN_THE_KERNEL_HOLDS, "read " + got.length);
        assertPattern(got, 0);
        peer.close();
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closeWhileTheKernelHoldsTheSendFailsItAndTheStreamIsAPrefix() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(),
                StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepted);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        long offset = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 8; i++) {
                sends.add(connection.send(pattern(arena, MIB, offset)));
                offset += MIB;
            }
            sends.add(connection.send(pattern(arena, StalledPeer.MORE_THAN_THE_KERNEL_HOLDS, offset)));
        }
        Thread.sleep(200);
        Await.get(connection.close());
        CompletableFuture<Void> last = sends.getLast();
        assertInstanceOf(ConnectionClosedException.class, Await.failure(last));
        for (CompletableFuture<Void> send : sends) {
            try {
                send.get(30, TimeUnit.SECONDS); // went out whole, or failed: never pending after close
            } catch (ExecutionException e) {
                assertInstanceOf(ConnectionClosedException.class, e.getCause());
            }
        }
        assertEquals(0, connection.queuedSendBytes());
        byte[] got = peer.readToEnd();
        assertPattern(got, 0);
        peer.close();
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aSendDeadlineEndsAZeroCopySendThatCannotFinish() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(),
                StalledPeer.SMALL_RECEIVE_BUFFER));
        Connection connection = Await.get(accepted);
        CompletableFuture<Void> sent;
        try (Arena arena = Arena.ofConfined()) {
            sent = connection.send(pattern(arena, StalledPeer.MORE_THAN_THE_KERNEL_HOLDS, 0), Duration.ofMillis(300));
        }
        assertInstanceOf(java.util.concurrent.TimeoutException.class, Await.failure(sent));
        Await.get(connection.close());
        byte[] got = peer.readToEnd();
        assertPattern(got, 0);
        peer.close();
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void runtimeCloseWithZeroCopySendsInFlightEndsThemAll() throws Exception {
        IoRuntime runtime = runtime();
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket peer = PeerSocket.connectWithReceiveBuffer(listener.localAddress(), StalledPeer.SMALL_RECEIVE_BUFFER);
        Connection connection = Await.get(accepted);
        CompletableFuture<Void> sent;
        try (Arena arena = Arena.ofConfined()) {
            sent = connection.send(pattern(arena, StalledPeer.MORE_THAN_THE_KERNEL_HOLDS, 0));
        }
        Thread.sleep(100);
        // The peer goes away while the runtime closes: the kernel frees what it queued, notifies,
        // and every op ends; RuntimeTestBase then checks no buffer is left and no thread lives on.
        Thread closer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(300);
                peer.close();
            } catch (Exception ignored) {
                // the test's end checks what matters
            }
        });
        runtime.close();
        closer.join();
        assertTrue(sent.isDone(), "a send pending after the runtime closed");
        assertTrue(sent.isCompletedExceptionally());
    }
}
