package io.jring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** Helpers for the flow-control contracts: a peer that does not read, then drains on demand. */
final class StalledPeer {
    static final int MIB = 1 << 20;
    /** A peer receive buffer this small keeps the kernel from absorbing much of what we send. */
    static final int SMALL_RECEIVE_BUFFER = 16 * 1024;
    /**
     * More than loopback can buffer for one connection here (our send buffer at its autotuned
     * maximum, 4 MiB by default, plus the peer's small receive buffer): a send this big cannot
     * complete while the peer does not read. At least 24 MiB; more where the sysctls allow more.
     */
    static final int MORE_THAN_THE_KERNEL_HOLDS = (int) Math.max(24L * MIB, kernelBuffering() + 8L * MIB);

    /**
     * The most bytes the kernel can hold for a stalled connection on loopback: our send buffer at
     * its largest plus the peer's small receive buffer (doubled by Linux, and some), with 1 MiB of slack.
     */
    static long kernelBuffering() {
        long sendMax = 4L * MIB;
        try {
            String[] wmem = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
            long coreMax = Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/wmem_max")).trim());
            sendMax = Math.max(Long.parseLong(wmem[2]), coreMax);
        } catch (IOException | RuntimeException unreadable) {
            // keep the default
        }
        return sendMax + 4L * SMALL_RECEIVE_BUFFER + MIB;
    }

    private StalledPeer() {}

    /** A segment of {@code size} bytes of the stream pattern starting at {@code offset}; freed when the arena closes. */
    static MemorySegment pattern(Arena arena, long size, long offset) {
        MemorySegment segment = arena.allocate(size, 4096);
        Payloads.fillPattern(segment, offset);
        return segment;
    }

    /**
     * Reads exactly {@code total} bytes and checks they are the stream pattern from offset 0;
     * {@code readSoFar} follows along. Returns the thread doing it.
     */
    static Thread drain(PeerSocket peer, long total, AtomicLong readSoFar) {
        return Thread.ofPlatform().name("draining-peer").start(() -> {
            byte[] chunk = new byte[256 * 1024];
            long at = 0;
            try {
                while (at < total) {
                    int got = peer.in.read(chunk, 0, (int) Math.min(chunk.length, total - at));
                    if (got < 0) {
                        throw new IOException("end of stream after " + at + " of " + total + " bytes");
                    }
                    long mismatch = Payloads.firstPatternMismatch(chunk, got, at);
                    if (mismatch >= 0) {
                        throw new IOException("wrong byte at stream offset " + mismatch);
                    }
                    at += got;
                    readSoFar.set(at);
                }
            } catch (IOException e) {
                readSoFar.set(-1 - at); // the test sees a negative count and fails with it
            }
        });
    }

    /** Waits (bounded) for the drain to finish and checks it read all {@code total} bytes. */
    static void awaitDrained(Thread drain, AtomicLong readSoFar, long total) throws InterruptedException {
        drain.join(45_000);
        if (drain.isAlive() || readSoFar.get() != total) {
            throw new AssertionError("the peer read " + readSoFar.get() + " of " + total
                    + " bytes (negative: it failed after -1 - that many)");
        }
    }
}
