package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.loop.BufferPool;
import io.jring.op.Op;
import io.jring.op.OpContext;
import io.jring.op.OpOwner;
import io.jring.spi.DriverSettings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One real ring driven from the test thread, as liburing's tests drive theirs: a {@link
 * UringDriver} with the sizes a test asks for, a pool, and an op context backed by that driver.
 * It counts how often each op ends ({@link OpOwner#opFinished}), so a test can check that every
 * op ended exactly once. Closing checks that nothing is left in flight.
 */
final class RingHarness implements AutoCloseable, OpContext, OpOwner {
    final BufferPool pool;
    final UringDriver driver;
    final Arena arena = Arena.ofConfined();
    private final Map<Op<?>, Integer> endings = new IdentityHashMap<>();
    int providedTaken;

    RingHarness(int sqEntries, int cqEntries, int providedBuffers) throws Exception {
        this.pool = new BufferPool(4096, 64);
        this.driver = new UringDriver(new DriverSettings(sqEntries, providedBuffers, false, true, 0), pool, cqEntries);
    }

    /** Polls without blocking until {@code done}, failing after a bound (a lost completion must not hang the build). */
    void pollUntil(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what + " (in flight: " + driver.inFlight() + ")");
            }
            driver.poll(1_000_000L);
        }
    }

    int endings(Op<?> op) {
        return endings.getOrDefault(op, 0);
    }

    void assertEndedOnce(Op<?> op) {
        assertEquals(1, endings(op), () -> op.name() + " ended " + endings(op) + " times");
        assertTrue(op.isDone(), op.name() + " ended but its future is not done");
    }

    /** An eventfd, closed with the harness. */
    int eventfd() {
        int fd = LibC.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK); // the ring arms a poll, as for sockets
        assertTrue(fd >= 0, () -> "eventfd: " + Errno.describe(fd));
        fds[fdCount++] = fd;
        return fd;
    }

    /** Adds 1 to an eventfd's counter (makes a read of it complete). */
    void signal(int eventfd) {
        MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        long res = LibC.write(eventfd, one, 8);
        assertEquals(8, res, () -> "write(eventfd): " + Errno.describe((int) res));
    }

    /** Resets an eventfd's counter to zero (reads it if it is not zero already). */
    void drain(int eventfd) {
        LibC.read(eventfd, arena.allocate(8, 8), 8); // EAGAIN when already zero: fine
    }

    /** A SOCK_SEQPACKET socketpair (each recv takes one whole message), closed with the harness. */
    int[] seqpacketPair() {
        MemorySegment pair = arena.allocate(ValueLayout.JAVA_INT, 2);
        int res = LibC.socketpair(Linux.AF_UNIX, SOCK_SEQPACKET | Linux.SOCK_CLOEXEC, 0, pair);
        assertEquals(0, res, () -> "socketpair: " + Errno.describe(res));
        int[] both = {pair.getAtIndex(ValueLayout.JAVA_INT, 0), pair.getAtIndex(ValueLayout.JAVA_INT, 1)};
        fds[fdCount++] = both[0];
        fds[fdCount++] = both[1];
        return both;
    }

    /** A SOCK_STREAM Unix socketpair (a socket that refuses zero-copy sends), closed with the harness. */
    int[] streamPair() {
        MemorySegment pair = arena.allocate(ValueLayout.JAVA_INT, 2);
        int res = LibC.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0, pair);
        assertEquals(0, res, () -> "socketpair: " + Errno.describe(res));
        int[] both = {pair.getAtIndex(ValueLayout.JAVA_INT, 0), pair.getAtIndex(ValueLayout.JAVA_INT, 1)};
        fds[fdCount++] = both[0];
        fds[fdCount++] = both[1];
        return both;
    }

    /** Zero-copy sends whose notification came ({@link OpContext#zeroCopySent}). */
    int zeroCopySent;

    private static final int SOCK_SEQPACKET = 5;
    private final int[] fds = new int[16];
    private int fdCount;

    @Override
    public void close() {
        try {
            pollUntil(() -> driver.inFlight() == 0, "every op to end before the ring closes");
        } finally {
            driver.close();
            for (int i = 0; i < fdCount; i++) {
                LibC.close(fds[i]);
            }
            pool.close();
            arena.close();
        }
    }

    // ---- OpOwner -----------------------------------------------------------------------------

    @Override
    public void opFinished(Op<?> op) {
        endings.merge(op, 1, Integer::sum);
    }

    // ---- OpContext ---------------------------------------------------------------------------

    @Override public BufferPool pool() { return pool; }
    @Override public int providedBufferGroup() { return driver.providedBufferGroup(); }
    @Override public IoBuffer takeProvidedBuffer(int bid, int length) {
        providedTaken++;
        return driver.takeProvidedBuffer(bid, length);
    }
    @Override public boolean fixedBuffersRegistered() { return false; }
    @Override public boolean multishotAccept() { return false; }
    @Override public boolean multishotRecv() { return true; }
    @Override public void multishotRecvRefused() {}
    @Override public void zeroCopySent(boolean copied) { zeroCopySent++; }
    @Override public Connection adopt(int fd, boolean unixDomain) { throw new AssertionError("nothing to adopt"); }
    @Override public void closingDescriptor(int fd) {}
    @Override public void requestCancel(Op<?> op) { driver.cancel(op); }
    @Override public boolean inLoop() { return false; } // the test thread drives the driver and may join
}
