package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A peer that reads slowly: large sends complete only once every byte is in the kernel, which
 * cannot happen while the peer does not read; memory stays bounded while they wait.
 */
public abstract class BackpressureContract extends RuntimeTestBase {
    private static final int MIB = 1 << 20;
    private static final int SMALL_RECEIVE_BUFFER = 16 * 1024;

    /**
     * The most bytes the kernel can hold for a stalled connection on loopback: our send buffer at
     * its autotuning maximum plus the peer's receive buffer, with 1 MiB of slack.
     */
    private static long kernelBuffering() {
        long sendMax = 4L * MIB;
        try {
            String[] wmem = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
            sendMax = Math.max(Long.parseLong(wmem[2]), Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/wmem_max")).trim()));
        } catch (IOException | RuntimeException ignored) {
            // keep the default
        }
        return sendMax + 4L * SMALL_RECEIVE_BUFFER + MIB;
    }

    private record Pair(IoRuntime runtime, Connection connection, PeerSocket peer) {}

    private Pair stalledPeer() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress(), SMALL_RECEIVE_BUFFER));
        return new Pair(runtime, Await.get(accepted), peer);
    }

    /** Reads {@code total} bytes checking the pattern; slowly (sleeping between small reads) for the first {@code slowBytes}. */
    private static void readPattern(PeerSocket peer, long total, long slowBytes, AtomicLong readSoFar) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        long at = 0;
        while (at < total) {
            boolean slow = at < slowBytes;
            int want = (int) Math.min(slow ? 4096 : chunk.length, total - at);
            int got = peer.in.read(chunk, 0, want);
            if (got < 0) {
                throw new AssertionError("end of stream after " + at + " of " + total + " bytes");
            }
            long mismatch = Payloads.firstPatternMismatch(chunk, got, at);
            if (mismatch >= 0) {
                throw new AssertionError("wrong byte at stream offset " + mismatch);
            }
            at += got;
            readSoFar.set(at);
            if (slow) {
                Thread.sleep(1);
            }
        }
    }

    @Test
    void largeSegmentSendCompletesOnlyWhenThePeerHasDrainedIt() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime);
        long total = 24L * MIB;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment segment = arena.allocate(total, 4096);
            Payloads.fillPattern(segment, 0);
            AtomicLong readSoFar = new AtomicLong();
            AtomicLong readWhenDone = new AtomicLong(-1);
            CompletableFuture<Void> sent = pair.connection.send(segment);
            sent.whenComplete((ok, error) -> readWhenDone.set(readSoFar.get()));

            Thread.sleep(500); // the peer is not reading
            assertFalse(sent.isDone(), "a 24 MiB send completed although the peer read nothing");
            assertTrue(pair.runtime.buffersInUse() <= baseline + 2,
                    "sending one segment must not take pooled buffers: " + pair.runtime.buffersInUse() + " vs baseline " + baseline);

            Thread reader = Thread.ofPlatform().name("slow-reader").start(() -> {
                try {
                    readPattern(pair.peer, total, 2L * MIB, readSoFar);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200);
            assertFalse(sent.isDone(), "the send completed while the slow reader had read only " + readSoFar.get());
            assertTrue(pair.runtime.buffersInUse() <= baseline + 2, "buffers grew while sending one segment");

            reader.join(45_000);
            assertFalse(reader.isAlive(), "reader did not finish");
            assertEquals(total, readSoFar.get(), "bytes read (see the reader's exception for a mismatch)");
            Await.get(sent);
            assertTrue(readWhenDone.get() >= total - kernelBuffering(),
                    "the send completed when the peer had read only " + readWhenDone.get() + " of " + total
                            + " bytes: more than the kernel can buffer was unaccounted for");
        }
        Await.get(pair.connection.close());
        assertEquals(-1, pair.peer.in.read(), "peer sees end of stream after close");
        assertBuffersBackTo(pair.runtime, baseline);
    }

    @Test
    void manyPooledBufferSendsQueueUntilThePeerReadsThenAllAreReleased() throws Exception {
        Pair pair = stalledPeer();
        int baseline = idleBaseline(pair.runtime);
        int count = 512; // 8 MiB of 16 KiB blocks
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            IoBuffer buffer = pair.connection.allocate();
            MemorySegment writable = buffer.writableSegment();
            Payloads.fillPattern(writable, total);
            buffer.writerIndex(buffer.capacity());
            total += buffer.capacity();
            sends.add(pair.connection.send(buffer));
        }
        Thread.sleep(500);
        assertFalse(sends.getLast().isDone(), "the last of 8 MiB of sends completed although the peer read nothing");
        assertTrue(pair.runtime.buffersInUse() >= baseline + count - (int) (kernelBuffering() / 16384),
                "queued sends still own their buffers");

        AtomicLong readSoFar = new AtomicLong();
        long expected = total;
        Thread reader = Thread.ofPlatform().name("slow-reader").start(() -> {
            try {
                readPattern(pair.peer, expected, MIB, readSoFar);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        reader.join(45_000);
        assertEquals(total, readSoFar.get(), "bytes read in order");
        for (CompletableFuture<Void> send : sends) {
            Await.get(send);
        }
        assertBuffersBackTo(pair.runtime, baseline);
        Await.get(pair.connection.close());
    }
}
