package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoRuntimeOptions;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.InterruptedByTimeoutException;
import java.util.Arrays;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * jring's choices for direct buffers, which the JDK makes differently or not at all: that they
 * really go to the kernel in place (a copying path is capped at one pooled block per receive and
 * {@link ChannelWriter#MAX_WRITE} per write), and that a timed-out or cancelled in-place read
 * loses no byte.
 */
class InPlaceTest {
    private static final int BLOCK = IoRuntimeOptions.defaults().bufferSize();

    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void aDirectReadTakesMoreThanOnePooledBlockAtOnce(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(4 * BLOCK, 21);
            Io.writeFully(pair.client, ByteBuffer.wrap(payload)); // all in the kernel's socket buffers now
            ByteBuffer dst = ByteBuffer.allocateDirect(8 * BLOCK);
            int n = Io.await(pair.accepted.read(dst));
            assertTrue(n > BLOCK, "an in-place receive takes what the socket has (" + n + " bytes), not one "
                    + BLOCK + "-byte block");
            byte[] got = new byte[n];
            dst.get(0, got);
            assertArrayEquals(Arrays.copyOf(payload, n), got);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void aDirectWriteIsNotCutToTheCopyingCap(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(4 * ChannelWriter.MAX_WRITE, 22);
            Future<byte[]> reader = pair.executor.submit(() -> Io.readExactly(pair.accepted, payload.length));
            ByteBuffer src = ByteBuffer.allocateDirect(payload.length).put(payload).flip();
            assertEquals(payload.length, Io.await(pair.client.write(src)), "one in-place write sends it all");
            assertArrayEquals(payload, Io.await(reader));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void aClosedArenasBufferIsCopiedNotPinned(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(4 * ChannelWriter.MAX_WRITE, 23);
            Future<byte[]> reader = pair.executor.submit(() -> Io.readExactly(pair.accepted, payload.length));
            try (Arena arena = Arena.ofConfined()) {
                ByteBuffer src = arena.allocate(payload.length).asByteBuffer().put(payload).flip();
                long written = 0;
                while (src.hasRemaining()) {
                    int n = Io.await(pair.client.write(src));
                    assertTrue(n <= ChannelWriter.MAX_WRITE, "an Arena's buffer goes through the copying path");
                    written += n;
                }
                assertEquals(payload.length, written);
            }
            assertArrayEquals(payload, Io.await(reader));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void aTimedOutDirectReadLosesNoByte(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Io.Recorder<Integer> read = new Io.Recorder<>();
            ByteBuffer dst = ByteBuffer.allocateDirect(16);
            pair.accepted.read(dst, 50, TimeUnit.MILLISECONDS, null, read);
            assertInstanceOf(InterruptedByTimeoutException.class, read.error());
            assertEquals(0, dst.position());
            Io.writeFully(pair.client, "after");
            ByteBuffer next = ByteBuffer.allocateDirect(5);
            while (next.hasRemaining()) {
                Io.await(pair.accepted.read(next));
            }
            assertEquals("after", new String(Io.bytes(next.flip()), java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Cancels race with arriving bytes, many times: every byte reaches a read, in order. */
    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void cancelledDirectReadsRacingTheirBytesLoseNone(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            int rounds = 300;
            ByteBuffer dst = ByteBuffer.allocateDirect(1);
            for (int i = 0; i < rounds; i++) {
                dst.clear();
                Future<Integer> read = pair.accepted.read(dst);
                Future<Integer> write = pair.client.write(ByteBuffer.wrap(new byte[] {(byte) i}));
                boolean cancelled = read.cancel(false);
                Io.await(write);
                if (cancelled) {
                    dst.clear();
                    while (dst.hasRemaining()) {
                        Io.await(pair.accepted.read(dst));
                    }
                } else {
                    assertEquals(1, Io.await(read));
                }
                assertEquals((byte) i, dst.get(0), "round " + i);
            }
        }
    }
}
