package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Direct ByteBuffers, which jring sends and receives in place (the runtime holds them until the
 * kernel is done), on every provider: positions, offsets, mixed scatter/gather, and buffers the
 * caller drops or whose channel closes while the kernel has them.
 */
class DirectBufferContractTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void directBuffersWithOffsetsAndLimitsMoveExactlyTheirWindow(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(40_000, 3);
            ByteBuffer src = ByteBuffer.allocateDirect(50_000);
            src.position(1000).put(payload).position(1000).limit(41_000);
            ByteBuffer window = src.slice(); // a slice: its own offset into the parent's memory
            Io.writeFully(pair.client, window);
            assertEquals(40_000, window.position());

            ByteBuffer dst = ByteBuffer.allocateDirect(60_000);
            dst.position(7000).limit(47_000);
            while (dst.hasRemaining()) {
                assertTrue(Io.await(pair.accepted.read(dst)) > 0);
            }
            assertEquals(47_000, dst.position());
            byte[] got = new byte[40_000];
            dst.get(7000, got);
            assertArrayEquals(payload, got);
            assertEquals(0, dst.get(6999), "nothing written before the position");
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void gatherAndScatterOverMixedHeapAndDirectBuffers(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(30_000, 11);
            ByteBuffer[] srcs = {
                ByteBuffer.allocate(100), // outside offset/length: untouched
                ByteBuffer.wrap(payload, 0, 5000).slice(),
                directOf(payload, 5000, 12_000),
                ByteBuffer.wrap(payload, 17_000, 3000).slice(),
                directOf(payload, 20_000, 10_000),
            };
            long written = 0;
            while (written < payload.length) {
                FutureHandler<Long> handler = new FutureHandler<>();
                pair.client.write(srcs, 1, 4, 10, TimeUnit.SECONDS, null, handler);
                written += Io.await(handler.result);
            }
            assertEquals(payload.length, written);
            for (int i = 1; i < srcs.length; i++) {
                assertFalse(srcs[i].hasRemaining(), "source " + i + " fully consumed");
            }
            assertEquals(0, srcs[0].position());

            ByteBuffer[] dsts = {
                ByteBuffer.allocateDirect(7000), ByteBuffer.allocate(9000), ByteBuffer.allocateDirect(14_000),
            };
            long read = 0;
            while (read < payload.length) {
                read += readScatter(pair, dsts);
            }
            assertEquals(payload.length, read);
            ByteBuffer all = ByteBuffer.allocate(payload.length);
            for (ByteBuffer dst : dsts) {
                assertFalse(dst.hasRemaining());
                all.put(dst.flip());
            }
            assertArrayEquals(payload, all.array());
        }
    }

    /**
     * The caller keeps no reference to the buffer of a pending read; the collector runs. The
     * buffer must stay alive while the kernel may write into it (on every provider the pending
     * read holds it), and the stream must go on intact.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aDirectBufferDroppedWhileAReadIsPendingStaysAliveAndTheStreamStaysIntact(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            WeakReference<ByteBuffer> dropped = startReadIntoDroppedBuffer(pair, count);
            for (int i = 0; i < 3; i++) {
                churnDirectMemory();
                System.gc();
            }
            assertNotNull(dropped.get(), "the buffer of a pending read was collected");
            byte[] payload = Payload.random(20_000, 5);
            Io.writeFully(pair.client, ByteBuffer.wrap(payload));
            int first = count.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(first > 0 && first <= 4096);
            byte[] rest = Io.readExactly(pair.accepted, payload.length - first);
            assertArrayEquals(Arrays.copyOfRange(payload, first, payload.length), rest,
                    "the bytes after the dropped buffer's read arrive in order");
            System.gc();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closingTheChannelWhileADroppedDirectBufferIsBeingReadIntoFailsTheRead(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            startReadIntoDroppedBuffer(pair, count);
            System.gc();
            pair.accepted.close();
            churnDirectMemory();
            System.gc();
            assertInstanceOf(AsynchronousCloseException.class, Io.failure(count));
            Io.writeFully(pair.client, "into a closed socket"); // the peer may still write; nobody reads
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void shutdownInputEndsAPendingDirectReadWithEndOfStream(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Future<Integer> read = pair.accepted.read(ByteBuffer.allocateDirect(64));
            pair.accepted.shutdownInput();
            assertEquals(-1, Io.await(read));
            assertEquals(-1, Io.await(pair.accepted.read(ByteBuffer.allocateDirect(64))));
        }
    }

    /** Segments of Arena.global() and Arena.ofAuto() are pinnable too: checked end to end. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void globalAndAutomaticArenaBuffersCarryBytesBothWays(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer src = Arena.ofAuto().allocate(6).asByteBuffer().put("global".getBytes(StandardCharsets.US_ASCII));
            Io.writeFully(pair.client, src.flip());
            ByteBuffer dst = Arena.global().allocate(6).asByteBuffer();
            while (dst.hasRemaining()) {
                Io.await(pair.accepted.read(dst));
            }
            assertEquals("global", StandardCharsets.US_ASCII.decode(dst.flip()).toString());
        }
    }

    private static long readScatter(Pair pair, ByteBuffer[] dsts) throws Exception {
        FutureHandler<Long> handler = new FutureHandler<>();
        pair.accepted.read(dsts, 0, dsts.length, 10, TimeUnit.SECONDS, null, handler);
        return Io.await(handler.result);
    }

    private static ByteBuffer directOf(byte[] bytes, int from, int length) {
        return ByteBuffer.allocateDirect(length).put(bytes, from, length).flip();
    }

    /** A read into a 4 KiB direct buffer that only the channel references from now on. */
    private static WeakReference<ByteBuffer> startReadIntoDroppedBuffer(Pair pair, CompletableFuture<Integer> count) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
        WeakReference<ByteBuffer> ref = new WeakReference<>(buffer);
        pair.accepted.read(buffer, null, new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer result, Void attachment) {
                count.complete(result);
            }

            @Override
            public void failed(Throwable error, Void attachment) {
                count.completeExceptionally(error);
            }
        });
        return ref;
    }

    /** Frees and reallocates direct memory, so freed blocks are handed out again. */
    private static void churnDirectMemory() {
        for (int i = 0; i < 64; i++) {
            ByteBuffer.allocateDirect(4096).put(0, (byte) 0x5a);
        }
    }

    /** A CompletionHandler whose outcome is a future. */
    static final class FutureHandler<V> implements CompletionHandler<V, Object> {
        final CompletableFuture<V> result = new CompletableFuture<>();

        @Override
        public void completed(V value, Object attachment) {
            result.complete(value);
        }

        @Override
        public void failed(Throwable error, Object attachment) {
            result.completeExceptionally(error);
        }
    }
}
