package io.jring.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool's cap, growth, shrinking and bookkeeping, without a loop or a kernel operation; run
 * again by {@link OwnedBufferPoolTest} with the test thread as the owner.
 */
class BufferPoolTest {
    private static final int BLOCK = 4096;
    private static final int PER_SLAB = 16;
    private static final long SLAB = (long) BLOCK * PER_SLAB; // 64 KiB
    private static final long IDLE = TimeUnit.SECONDS.toNanos(1);

    private final List<BufferPool> pools = new ArrayList<>();

    private BufferPool pool(BufferMemory memory) {
        BufferPool pool = new BufferPool(BLOCK, PER_SLAB, memory, IDLE);
        if (ownedByTheTestThread()) {
            pool.ownedBy(Thread.currentThread());
        }
        pools.add(pool);
        return pool;
    }

    /** Whether the test thread owns the pools, as a loop thread does (its releases go to the lock-free stash). */
    boolean ownedByTheTestThread() {
        return false;
    }

    @AfterEach
    void closePools() {
        pools.forEach(BufferPool::close);
    }

    private static List<IoBuffer> acquire(BufferPool pool, int n) {
        List<IoBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            buffers.add(pool.acquire());
        }
        return buffers;
    }

    @Test
    void growsUpToTheCapThenFailsNamingTheCapAndTheOption() {
        BufferMemory memory = new BufferMemory(2 * SLAB);
        BufferPool pool = pool(memory);
        List<IoBuffer> held = acquire(pool, 2 * PER_SLAB); // the core and one grown slab
        assertEquals(2, pool.slabCount());
        assertEquals(2 * SLAB, memory.mapped());

        BufferPoolExhaustedException e = assertThrows(BufferPoolExhaustedException.class, pool::acquire);
        String message = e.getMessage();
        assertTrue(message.contains("cap of 128 KiB"), message);
        assertTrue(message.contains("from 128 KiB to 192 KiB"), message);
        assertTrue(message.contains("all 32 blocks of 4 KiB"), message);
        assertTrue(message.contains("IoRuntimeOptions.withMaxBufferMemory") && message.contains("-Djring.buffers.maxMemory"),
                message);
        assertEquals(2 * SLAB, memory.mapped(), "a refused growth maps nothing");
        assertEquals(2 * PER_SLAB, pool.inUse());

        held.removeFirst().release();
        IoBuffer again = pool.acquire(); // a released block serves the next acquire at the cap
        again.release();
        held.forEach(IoBuffer::release);
        assertEquals(0, pool.inUse());
    }

    @Test
    void oneCapIsSharedByEveryPoolOfARuntime() {
        BufferMemory memory = new BufferMemory(3 * SLAB);
        BufferPool a = pool(memory);
        BufferPool b = pool(memory);
        assertEquals(2 * SLAB, memory.mapped(), "each pool's core counts");
        List<IoBuffer> held = acquire(a, PER_SLAB + 1); // a grows into the last slab under the cap
        held.addAll(acquire(b, PER_SLAB));
        assertThrows(BufferPoolExhaustedException.class, b::acquire);
        assertEquals(3 * SLAB, memory.mapped());
        held.forEach(IoBuffer::release);
    }

    @Test
    void theCoreIsMappedEvenAboveTheCapButNothingGrowsThere() {
        BufferMemory memory = new BufferMemory(BLOCK);
        BufferPool pool = pool(memory);
        assertEquals(SLAB, memory.mapped());
        List<IoBuffer> held = acquire(pool, PER_SLAB);
        assertThrows(BufferPoolExhaustedException.class, pool::acquire);
        held.forEach(IoBuffer::release);
    }

    @Test
    void grownSlabsAreFreedOnlyAfterBeingIdleAndTheCoreNever() {
        BufferMemory memory = BufferMemory.unlimited();
        BufferPool pool = pool(memory);
        List<IoBuffer> held = acquire(pool, 3 * PER_SLAB);
        assertEquals(3, pool.slabCount());
        assertEquals(-1, pool.nanosToTrim(System.nanoTime()), "nothing idle while every block is held");

        held.forEach(IoBuffer::release);
        long now = System.nanoTime();
        long wait = pool.nanosToTrim(now);
        assertTrue(wait > 0 && wait <= IDLE, "the loop is told when to trim: " + wait);
        pool.trimIdle(now);
        assertEquals(3, pool.slabCount(), "freed before their idle time");

        long later = now + IDLE + 1;
        assertEquals(0, pool.nanosToTrim(later));
        pool.trimIdle(later);
        assertEquals(1, pool.slabCount(), "the core stays");
        assertEquals(SLAB, memory.mapped());
        assertEquals(SLAB, pool.mappedBytes());
        assertEquals(PER_SLAB, pool.freeBlocks());
        assertEquals(-1, pool.nanosToTrim(later));
        pool.trimIdle(later + 10 * IDLE);
        assertEquals(1, pool.slabCount());
    }

    @Test
    void aSlabUsedAgainBeforeItsIdleTimeIsKept() {
        BufferPool pool = pool(BufferMemory.unlimited());
        List<IoBuffer> held = acquire(pool, 2 * PER_SLAB);
        held.forEach(IoBuffer::release);
        List<IoBuffer> again = acquire(pool, PER_SLAB + 1); // churn across the slab boundary
        long later = System.nanoTime() + 2 * IDLE;
        pool.trimIdle(later);
        assertEquals(2, pool.slabCount(), "a slab in use must not be freed");
        again.forEach(IoBuffer::release);
        assertEquals(2, pool.slabCount(), "idle only from now");
        pool.trimIdle(System.nanoTime() + 2 * IDLE);
        assertEquals(1, pool.slabCount());
    }

    @Test
    void blocksComeFromTheCoreFirstSoGrownSlabsDrain() {
        BufferPool pool = pool(BufferMemory.unlimited());
        List<IoBuffer> held = acquire(pool, PER_SLAB + 4);
        IoBuffer core = held.get(3);
        assertTrue(io.jring.buffer.Buffers.block(core) < PER_SLAB);
        core.release();
        held.remove(core);
        IoBuffer next = pool.acquire();
        assertTrue(io.jring.buffer.Buffers.block(next) < PER_SLAB, "expected a core block, got " + io.jring.buffer.Buffers.block(next));
        next.release();
        held.forEach(IoBuffer::release);
    }

    @Test
    void noBlockIsHandedOutTwiceAcrossGrowthShrinkAndReuse() {
        BufferPool pool = pool(BufferMemory.unlimited());
        Random random = new Random(11);
        for (int round = 0; round < 5; round++) {
            List<IoBuffer> held = acquire(pool, PER_SLAB * (2 + round % 3) + round);
            Set<Integer> indexes = new HashSet<>();
            Set<Long> addresses = new HashSet<>();
            for (IoBuffer b : held) {
                assertTrue(indexes.add(io.jring.buffer.Buffers.block(b)), "block " + io.jring.buffer.Buffers.block(b) + " handed out twice");
                assertTrue(addresses.add(b.segment().address()), "memory handed out twice");
                assertEquals(BLOCK, b.capacity());
            }
            assertEquals(held.size(), pool.inUse());
            Collections.shuffle(held, random);
            held.forEach(IoBuffer::release);
            assertEquals(0, pool.inUse());
            if (round % 2 == 0) {
                pool.trimIdle(System.nanoTime() + 2 * IDLE);
            }
        }
    }

    @Test
    void aBlockReturnedTwiceOrAfterItsSlabWasFreedIsRefused() {
        BufferPool pool = pool(BufferMemory.unlimited());
        IoBuffer core = pool.acquire();
        core.release();
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.recycle(io.jring.buffer.Buffers.block(core)));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());

        List<IoBuffer> held = acquire(pool, PER_SLAB + 1);
        int grown = io.jring.buffer.Buffers.block(held.getLast());
        assertTrue(grown >= PER_SLAB);
        held.forEach(IoBuffer::release);
        pool.trimIdle(System.nanoTime() + 2 * IDLE);
        IllegalStateException gone = assertThrows(IllegalStateException.class, () -> pool.recycle(grown));
        assertTrue(gone.getMessage().contains("not in a live slab"), gone.getMessage());
        assertEquals(0, pool.inUse());
    }

    @Test
    void aFreedSlabsMemoryCannotBeReachedThroughAStaleSegment() {
        BufferPool pool = pool(BufferMemory.unlimited());
        List<IoBuffer> held = acquire(pool, PER_SLAB + 1);
        MemorySegment stale = held.getLast().segment();
        stale.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
        held.forEach(IoBuffer::release);
        pool.trimIdle(System.nanoTime() + 2 * IDLE);
        assertThrows(IllegalStateException.class, () -> stale.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void onlyCoreBlocksAreRegisteredOrLentToTheProvidedBufferRing() {
        BufferPool pool = pool(BufferMemory.unlimited());
        pool.markRegistered(0);
        List<IoBuffer> held = acquire(pool, PER_SLAB + 1);
        for (IoBuffer b : held) {
            assertEquals(io.jring.buffer.Buffers.block(b) < PER_SLAB ? 0 : -1, pool.fixedIndexOf(io.jring.buffer.Buffers.block(b)));
        }
        assertEquals(-1, pool.takeBlockIndex(), "the core is all held: the ring gets nothing from a grown slab");
        held.forEach(IoBuffer::release);
        pool.trimIdle(System.nanoTime() + 2 * IDLE);

        List<IoBuffer> regrown = acquire(pool, PER_SLAB + 1); // a new slab in the freed slot
        assertEquals(-1, pool.fixedIndexOf(io.jring.buffer.Buffers.block(regrown.getLast())));
        regrown.forEach(IoBuffer::release);

        int lent = pool.takeBlockIndex();
        assertTrue(lent >= 0 && lent < PER_SLAB);
        assertEquals(1, pool.inUse(), "a block lent to the ring is in use until it comes back");
        IoBuffer received = pool.wrap(lent, 100);
        assertEquals(100, received.readableBytes());
        received.release();
        assertEquals(0, pool.inUse());
    }

    @Test
    void receivedDataGetsABlockBeyondTheCapWhichIsFreedOnceIdle() {
        BufferMemory memory = new BufferMemory(SLAB);
        BufferPool pool = pool(memory);
        List<IoBuffer> held = acquire(pool, PER_SLAB);
        assertThrows(BufferPoolExhaustedException.class, pool::acquire);
        IoBuffer kept = pool.acquireForReceivedData();
        assertEquals(BLOCK, kept.capacity());
        assertEquals(SLAB + BLOCK, memory.mapped(), "one block beyond the cap, not a slab");
        kept.release();
        held.forEach(IoBuffer::release);
        pool.trimIdle(System.nanoTime() + 2 * IDLE);
        assertEquals(SLAB, memory.mapped());
    }

    @Test
    void closeUnmapsEverythingAndLateReleasesAreHarmless() {
        BufferMemory memory = BufferMemory.unlimited();
        BufferPool pool = new BufferPool(BLOCK, PER_SLAB, memory, IDLE);
        List<IoBuffer> held = acquire(pool, 2 * PER_SLAB);
        pool.close();
        assertEquals(0, memory.mapped());
        assertEquals(2 * PER_SLAB, pool.inUse(), "still held: close reports them");
        held.forEach(IoBuffer::release); // a user releasing after the runtime closed
        assertEquals(0, pool.inUse(), "released late, but released");
        assertThrows(IllegalStateException.class, pool::acquire);
        assertThrows(IllegalStateException.class, () -> held.getFirst().segment(), "released: refused");
        assertFalse(io.jring.buffer.Buffers.memory(held.getFirst()).scope().isAlive(), "and unmapped");
    }
}
