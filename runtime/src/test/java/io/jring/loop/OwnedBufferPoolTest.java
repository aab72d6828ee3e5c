package io.jring.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Every {@link BufferPoolTest} again with the test thread owning the pools (its releases of core
 * blocks go to the lock-free stash and its acquires come from there), and what only an owned pool
 * has: the stash's bookkeeping, releases from other threads, double releases refused on both
 * paths, and stashed blocks within reach of other threads at the cap.
 */
class OwnedBufferPoolTest extends BufferPoolTest {
    private static final int BLOCK = 4096;
    private static final int PER_SLAB = 64;

    @Override
    boolean ownedByTheTestThread() {
        return true;
    }

    private static BufferPool ownedPool(BufferMemory memory) {
        BufferPool pool = new BufferPool(BLOCK, PER_SLAB, memory, TimeUnit.SECONDS.toNanos(1));
        pool.ownedBy(Thread.currentThread());
        return pool;
    }

    private static void onAnotherThread(Runnable work) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                work.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.join(30_000);
        if (failure.get() != null) {
            throw new AssertionError("on the other thread: " + failure.get(), failure.get());
        }
    }

    @Test
    void theOwnersReleasedBlockIsItsNextAcquireAndCountsAsFree() {
        try (BufferPool pool = ownedPool(BufferMemory.unlimited())) {
            int block = pool.acquireBlock();
            assertEquals(1, pool.inUse());
            pool.recycle(block);
            assertEquals(0, pool.inUse());
            assertEquals(PER_SLAB, pool.freeBlocks());
            assertEquals(block, pool.acquireBlock(), "the stash hands back the block last released");
            pool.recycle(block);
        }
    }

    @Test
    void blocksReleasedOnOtherThreadsGoBackAndNoneIsHandedOutTwice() throws Exception {
        try (BufferPool pool = ownedPool(BufferMemory.unlimited())) {
            List<IoBuffer> held = new ArrayList<>();
            for (int i = 0; i < 3 * PER_SLAB; i++) {
                held.add(pool.acquire()); // the core and two grown slabs
            }
            for (int i = 0; i < held.size(); i += 2) {
                held.get(i).release(); // half on the owner (core blocks to the stash)
            }
            onAnotherThread(() -> {
                for (int i = 1; i < held.size(); i += 2) {
                    held.get(i).release(); // half on another thread, under the lock
                }
            });
            assertEquals(0, pool.inUse());
            Set<Integer> blocks = new HashSet<>();
            for (int i = 0; i < 3 * PER_SLAB; i++) {
                assertTrue(blocks.add(pool.acquireBlock()), "a block handed out twice");
            }
            assertEquals(3 * PER_SLAB, pool.inUse());
            blocks.forEach(pool::recycle);
            assertEquals(0, pool.inUse());
        }
    }

    @Test
    void aBlockReleasedTwiceIsRefusedOnEitherPathAndThePoolStaysWhole() throws Exception {
        try (BufferPool pool = ownedPool(BufferMemory.unlimited())) {
            int stashed = pool.acquireBlock();
            int locked = pool.acquireBlock();
            pool.recycle(stashed); // into the owner's stash
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> pool.recycle(stashed));
            assertTrue(again.getMessage().contains("returned to the pool twice"), again.getMessage());
            onAnotherThread(() -> {
                IllegalStateException fromElsewhere = assertThrows(IllegalStateException.class, () -> pool.recycle(stashed));
                assertTrue(fromElsewhere.getMessage().contains("twice"), fromElsewhere.getMessage());
                pool.recycle(locked); // into the core's free list
                assertThrows(IllegalStateException.class, () -> pool.recycle(locked));
            });
            IllegalStateException onOwner = assertThrows(IllegalStateException.class, () -> pool.recycle(locked));
            assertTrue(onOwner.getMessage().contains("twice"), onOwner.getMessage());
            assertEquals(0, pool.inUse());
            Set<Integer> blocks = new HashSet<>();
            for (int i = 0; i < PER_SLAB; i++) {
                assertTrue(blocks.add(pool.acquireBlock()), "a refused release put a block in twice");
            }
            assertEquals(PER_SLAB, pool.inUse());
            blocks.forEach(pool::recycle);
        }
    }

    @Test
    void stashedBlocksServeOtherThreadsBeforeTheCapRefuses() throws Exception {
        // The cap is the core: nothing may grow, so only the stash can serve the other thread.
        try (BufferPool pool = ownedPool(new BufferMemory((long) BLOCK * PER_SLAB))) {
            List<Integer> held = new ArrayList<>();
            for (int i = 0; i < PER_SLAB; i++) {
                held.add(pool.acquireBlock());
            }
            for (int i = 0; i < 8; i++) {
                pool.recycle(held.remove(held.size() - 1)); // to the stash
            }
            List<Integer> taken = new ArrayList<>();
            onAnotherThread(() -> {
                for (int i = 0; i < 8; i++) {
                    taken.add(pool.acquireBlock());
                }
                assertThrows(BufferPoolExhaustedException.class, pool::acquireBlock, "every block is held now");
            });
            assertEquals(PER_SLAB, pool.inUse());
            assertEquals(8, new HashSet<>(taken).size());
            taken.forEach(held::add);
            assertEquals(PER_SLAB, new HashSet<>(held).size(), "a block handed out twice");
            held.forEach(pool::recycle);
            assertEquals(0, pool.inUse());
        }
    }

    @Test
    void theOwnerAndAnotherThreadTradingBlocksNeverShareOne() throws Exception {
        try (BufferPool pool = ownedPool(BufferMemory.unlimited())) {
            // held[block] is 1 while someone holds it: taking a block held already is the bug.
            java.util.concurrent.atomic.AtomicIntegerArray held = new java.util.concurrent.atomic.AtomicIntegerArray(16 * PER_SLAB);
            BlockingQueue<Integer> toOther = new ArrayBlockingQueue<>(PER_SLAB);
            int rounds = 100_000;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    for (int block = toOther.take(); block >= 0; block = toOther.take()) {
                        held.set(block, 0);
                        pool.recycle(block); // released on another thread: under the lock
                        int mine = pool.acquireBlock(); // and taken there: a stashed block, or under the lock
                        if (!held.compareAndSet(mine, 0, 1)) {
                            throw new AssertionError("block " + mine + " handed out while held");
                        }
                        held.set(mine, 0);
                        pool.recycle(mine);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            for (int i = 0; i < rounds && failure.get() == null; i++) {
                int block = pool.acquireBlock();
                assertTrue(held.compareAndSet(block, 0, 1), () -> "block " + block + " handed out while held");
                if (i % 2 == 0) {
                    assertTrue(toOther.offer(block, 30, TimeUnit.SECONDS));
                } else {
                    held.set(block, 0);
                    pool.recycle(block); // released on the owner: to the stash
                }
            }
            toOther.put(-1);
            other.join(30_000);
            assertEquals(null, failure.get());
            assertEquals(0, pool.inUse());
        }
    }
}
