package io.jring.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A small stack of free block indexes that a pool's owner thread pushes and pops without a lock,
 * and that another thread, holding the pool's lock, may still pop from (so free blocks kept here
 * are never out of reach when the pool is at its cap). One CAS per push or pop, on a word that
 * holds the stack's height and a version: the version changes with every push and pop, so a
 * pop that read an entry and then lost the race to a pop and a push (the same height again,
 * another block on top) fails its CAS instead of handing out a block twice.
 *
 * <p>Only the owner pushes; pops come from the owner, or from other threads one at a time
 * (under the pool's lock).
 */
final class BlockStash {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(BlockStash.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int[] blocks;
    /** The version in the high 32 bits, the height in the low 32. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;

    BlockStash(int capacity) {
        this.blocks = new int[capacity];
    }

    /** Pushes a free block (owner thread only); false when the stash is full. */
    boolean push(int block) {
        while (true) {
            long current = (long) STATE.getVolatile(this);
            int height = (int) current;
            if (height == blocks.length) {
                return false;
            }
            // Above the height nobody reads: a pop reads below it. The CAS publishes the entry.
            blocks[height] = block;
            if (STATE.compareAndSet(this, current, next(current, height + 1))) {
                return true;
            }
        }
    }

    /** Pops a block, or -1 when the stash is empty. */
    int pop() {
        while (true) {
            long current = (long) STATE.getVolatile(this);
            int height = (int) current;
            if (height == 0) {
                return -1;
            }
            int block = blocks[height - 1];
            if (STATE.compareAndSet(this, current, next(current, height - 1))) {
                return block;
            }
        }
    }

    /** Blocks in the stash now (a snapshot when read off the owner thread). */
    int size() {
        return (int) (long) STATE.getVolatile(this);
    }

    private static long next(long current, int height) {
        return ((current >>> 32) + 1) << 32 | height;
    }
}
