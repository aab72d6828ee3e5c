package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * {@link Connection#recvInPlace} and {@link Connection#sendInPlace}: the kernel reads and writes
 * the caller's memory, which the runtime holds until the last completion, and only memory a
 * reference can keep alive is accepted.
 */
public abstract class InPlaceContract extends RuntimeTestBase {

    @Test
    void receivesIntoADirectBufferAndSendsFromOneWithoutTheCopyCap() throws Exception {
        Pair pair = accepted(open(1));
        byte[] request = Payloads.random(1, 40_000);
        pair.peer().write(request);
        ByteBuffer dst = ByteBuffer.allocateDirect(64 * 1024);
        int total = 0;
        while (total < request.length) {
            int n = Await.get(pair.connection().recvInPlace(MemorySegment.ofBuffer(dst.position(total)), null));
            assertTrue(n > 0, "count " + n);
            total += n;
        }
        byte[] got = new byte[request.length];
        dst.get(0, got);
        assertArrayEquals(request, got);

        byte[] response = Payloads.random(2, 3 << 20); // far beyond the socket buffer: short sends continue
        ByteBuffer src = ByteBuffer.allocateDirect(response.length).put(response).flip();
        CompletableFuture<Void> sent = pair.connection().sendInPlace(MemorySegment.ofBuffer(src), null);
        assertArrayEquals(response, pair.peer().readExactly(response.length));
        Await.get(sent);
        Await.get(pair.connection().close());
        assertEquals(-1, pair.peer().in.read());
    }

    @Test
    void refusesHeapMemoryAndClosableArenasButTakesGlobalAndAutomaticOnes() throws Exception {
        Pair pair = accepted(open(1));
        Connection connection = pair.connection();
        assertThrows(IllegalArgumentException.class, () -> connection.recvInPlace(MemorySegment.ofArray(new byte[8]), null));
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            assertThrows(IllegalArgumentException.class, () -> connection.recvInPlace(confined.allocate(8), null));
            assertThrows(IllegalArgumentException.class, () -> connection.sendInPlace(shared.allocate(8), null));
            assertThrows(IllegalArgumentException.class,
                    () -> connection.sendInPlace(MemorySegment.ofBuffer(shared.allocate(8).asByteBuffer()), null));
            assertFalse(Connection.isPinnable(confined.allocate(1)));
        }
        assertThrows(IllegalArgumentException.class, () -> connection.recvInPlace(Arena.global().allocate(0), null));
        assertTrue(Connection.isPinnable(MemorySegment.ofBuffer(ByteBuffer.allocateDirect(1))));
        MemorySegment auto = Arena.ofAuto().allocate(5);
        auto.copyFrom(MemorySegment.ofArray("auto!".getBytes()));
        Await.get(connection.sendInPlace(auto, null));
        assertEquals("auto!", pair.peer().readString(5));
        pair.peer().write("global");
        MemorySegment global = Arena.global().allocate(6);
        int n = 0;
        while (n < 6) {
            n += Await.get(connection.recvInPlace(global.asSlice(n), null));
        }
        assertEquals("global", new String(global.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
    }

    /** The caller drops every reference to the buffer of a pending receive; the collector must not free it. */
    @Test
    void holdsADroppedBufferUntilTheKernelIsDoneThenLetsItGo() throws Exception {
        Pair pair = accepted(open(1));
        int baseline = idleBaseline(pair.runtime());
        CompletableFuture<Integer> count = new CompletableFuture<>();
        WeakReference<ByteBuffer> dropped = receiveIntoDroppedBuffer(pair.connection(), count);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 64; j++) {
                ByteBuffer.allocateDirect(4096).put(0, (byte) 0x5a); // freed memory gets reused
            }
            System.gc();
        }
        assertNotNull(dropped.get(), "the buffer of a pending receive was collected");
        byte[] payload = Payloads.random(3, 10_000);
        pair.peer().write(payload);
        int first = Await.get(count);
        assertTrue(first > 0 && first <= 4096);
        byte[] rest = Await.get(ApiIo.readExactly(pair.connection(), payload.length - first));
        assertArrayEquals(Arrays.copyOfRange(payload, first, payload.length), rest);
        Await.until(() -> {
            System.gc();
            return dropped.get() == null;
        }, 10_000, () -> "the runtime still holds a buffer whose receive ended");
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void aTimedOutOrClosedReceiveLosesNoByteAndHoldsNoBlock() throws Exception {
        Pair pair = accepted(open(1));
        int baseline = idleBaseline(pair.runtime());
        ByteBuffer dst = ByteBuffer.allocateDirect(16);
        CompletableFuture<Integer> timed = pair.connection().recvInPlace(MemorySegment.ofBuffer(dst), Duration.ofMillis(50));
        ExecutionException e = assertThrows(ExecutionException.class, () -> timed.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        pair.peer().write("after");
        assertEquals("after", new String(Await.get(ApiIo.readExactly(pair.connection(), 5))));

        CompletableFuture<Integer> pending = pair.connection().recvInPlace(MemorySegment.ofBuffer(dst), null);
        Await.get(pair.connection().close());
        ExecutionException closed = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, closed.getCause());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    /** Cancels racing arriving bytes: each byte reaches exactly one receive, in order. */
    @Test
    void cancelledReceivesRacingTheirBytesLoseNone() throws Exception {
        Pair pair = accepted(open(1));
        ByteBuffer dst = ByteBuffer.allocateDirect(1);
        for (int i = 0; i < 200; i++) {
            CompletableFuture<Integer> recv = pair.connection().recvInPlace(MemorySegment.ofBuffer(dst), null);
            pair.peer().write(new byte[] {(byte) i});
            if (recv.cancel(true)) {
                assertEquals(i, Await.get(ApiIo.readExactly(pair.connection(), 1))[0] & 0xff, "round " + i);
            } else {
                assertEquals(1, Await.get(recv));
                assertEquals(i, dst.get(0) & 0xff, "round " + i);
            }
        }
    }

    private static WeakReference<ByteBuffer> receiveIntoDroppedBuffer(Connection connection, CompletableFuture<Integer> count) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
        WeakReference<ByteBuffer> ref = new WeakReference<>(buffer);
        connection.recvInPlace(MemorySegment.ofBuffer(buffer), null).whenComplete((n, error) -> {
            if (error != null) {
                count.completeExceptionally(error);
            } else {
                count.complete(n);
            }
        });
        return ref;
    }
}
