package io.jring.loop;

import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.buffer.Buffers;
import io.jring.buffer.LeakTracker;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One loop's pool of fixed-size native blocks, in slabs of {@code blocksPerSlab} blocks.
 *
 * <ul>
 *   <li>The <b>first slab</b> (the core) lives as long as the pool: the io_uring driver
 *       registers it as fixed buffer 0 and lends its blocks to the provided-buffer ring, so it is
 *       never freed or re-created, and {@link #fixedIndexOf} maps only its blocks.
 *   <li>When every block is held, the pool <b>grows</b> by another slab if the runtime's
 *       {@link BufferMemory} has room under its cap, and otherwise {@link #acquire()} throws
 *       {@link BufferPoolExhaustedException} naming the cap and how to raise it.
 *   <li>A grown slab is <b>freed</b> once all its blocks have been free for {@code idleNanos}
 *       ({@link #trimIdle}, run by the loop): the delay is the hysteresis that keeps churn at a
 *       slab boundary from mapping and unmapping. A block is only ever free once the kernel has
 *       given it back (an {@link IoBuffer} lent to the kernel returns to the pool only after its
 *       last completion), so a free slab is one no kernel operation can touch.
 * </ul>
 *
 * Blocks are handed out from the lowest slab that has one, so the core serves first and grown
 * slabs drain and become idle when load drops. A block's index is its slab's slot times
 * {@code blocksPerSlab} plus its place in the slab: stable while the slab lives. A freed slot
 * may be reused by a later slab, so a stale index is refused only while its slot is empty; the
 * buffers' own state machine is what stops a released buffer from coming back twice.
 *
 * <p>Acquire and release are safe from any thread (users release buffers wherever they finish
 * with them). The common case, the loop thread that owns the pool ({@link #ownedBy}) acquiring
 * and releasing, takes no lock: it keeps up to {@value #STASH_SIZE} core blocks it released in a
 * stash of its own ({@link BlockStash}) and hands them out again from there. Blocks in the stash
 * are free (counted so, and a second release of one is refused) but taken as far as the core
 * slab knows; a thread that finds no free block anywhere else takes one from the stash under
 * the lock before the pool grows or refuses, so the stash never makes the cap bite early. Only
 * core blocks are stashed: a grown slab's blocks always go back to it, so it can become idle and
 * be freed.
 */
public final class BufferPool implements AutoCloseable {
    /** How long a grown slab must stay entirely free before it is unmapped. */
    public static final long DEFAULT_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int blockSize;
    private final int blocksPerSlab;
    private final BufferMemory memory;
    private final long idleNanos;
    private final Slab core;
    /** By slot; null where a slab was freed (or never made). */
    private Slab[] slabs = new Slab[4];
    private final BitSet slabsWithFree = new BitSet();
    private int totalBlocks;
    private int freeBlocks;
    private int slabCount;
    /** Guarded by this: blocks refused at the cap or by the system (stats). */
    private long refusals;
    /** Grown slabs with every block free: read without the lock by the loop's fast path. */
    private volatile int idleSlabs;
    /** Set under the lock; read without it by the owner's paths, which then take the lock. */
    private volatile boolean closed;
    private volatile int registeredIndex = -1;
    private volatile Runnable onSlabIdle = () -> {};
    /** Blocks a stash holds at most: a burst of a loop's receives and sends, 512 KiB of 16 KiB blocks. */
    static final int STASH_SIZE = 32;
    /** The thread whose acquires and releases go through {@link #stash} without the lock; null for none. */
    private volatile Thread owner;
    private final BlockStash stash;
    /** Core blocks in the stash, by offset: a second release of one is refused. Written by whoever moves a block in or out. */
    private final boolean[] stashed;

    /** A pool outside any runtime's cap (tests, tools). */
    public BufferPool(int blockSize, int blocksPerSlab) {
        this(blockSize, blocksPerSlab, BufferMemory.unlimited(), DEFAULT_IDLE_NANOS);
    }

    /** A pool whose growth counts against {@code memory}; its core is mapped whatever the cap. */
    public BufferPool(int blockSize, int blocksPerSlab, BufferMemory memory, long idleNanos) {
        this(blockSize, blocksPerSlab, memory, idleNanos, false);
    }

    /**
     * A loop's pool for datagrams: blocks of any multiple of 4 KiB (a 64 KiB datagram plus the
     * kernel's header does not fit a power of two without wasting half), made when a loop first
     * binds a datagram socket, so its core counts against the cap like any growth and is
     * refused at it ({@link BufferPoolExhaustedException}).
     */
    public static BufferPool forDatagrams(int blockSize, int blocksPerSlab, BufferMemory memory, long idleNanos) {
        return new BufferPool(blockSize, blocksPerSlab, memory, idleNanos, true);
    }

    private BufferPool(int blockSize, int blocksPerSlab, BufferMemory memory, long idleNanos, boolean coreUnderCap) {
        // What a buffer needs is loaded now, not at the first buffer, which may come when the
        // process has no descriptor left to read a class file with (EMFILE; see LeakTracker.preload).
        LeakTracker.preload();
        IoBuffer.END_OF_STREAM.isEndOfStream(); // initialises IoBuffer, which installs Buffers' access
        if (coreUnderCap ? blockSize <= 0 || blockSize % 4096 != 0 : blockSize < 64 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("bufferSize must be a power of two >= 64, got " + blockSize);
        }
        if (blocksPerSlab < 1) {
            throw new IllegalArgumentException("buffersPerLoop must be >= 1, got " + blocksPerSlab);
        }
        this.blockSize = blockSize;
        this.blocksPerSlab = blocksPerSlab;
        this.memory = memory;
        this.idleNanos = idleNanos;
        long bytes = (long) blockSize * blocksPerSlab;
        if (!coreUnderCap) {
            memory.reserveAnyway(bytes); // the loop cannot run without it
        } else if (!memory.tryReserve(bytes)) {
            throw new BufferPoolExhaustedException("buffer memory cap reached: the first " + size(bytes)
                    + " of datagram buffers on this loop would take the runtime's buffers from " + size(memory.mapped())
                    + " to " + size(memory.mapped() + bytes) + ", over its cap of " + size(memory.max())
                    + " (raise it with IoRuntimeOptions.withMaxBufferMemory or -Djring.buffers.maxMemory)");
        }
        this.core = place(0, map(0, blocksPerSlab, bytes));
        this.stash = new BlockStash(Math.min(STASH_SIZE, blocksPerSlab));
        this.stashed = new boolean[blocksPerSlab];
    }

    /**
     * Makes {@code thread} (the loop's) the pool's owner: its acquires and releases of core blocks
     * go through a stash without the lock. Other threads keep taking the lock.
     */
    public void ownedBy(Thread thread) {
        this.owner = thread;
    }

    public int blockSize() {
        return blockSize;
    }

    /** The first slab: the memory the io_uring driver registers as fixed buffer 0. */
    public MemorySegment registrableSlab() {
        return core.memory;
    }

    /** Called once the first slab is registered with the ring under {@code bufIndex}. */
    public void markRegistered(int bufIndex) {
        this.registeredIndex = bufIndex;
    }

    /** The fixed-buffer index that covers {@code block}, or -1: only the core is registered. */
    public int fixedIndexOf(int block) {
        return block >= 0 && block < blocksPerSlab ? registeredIndex : -1;
    }

    /** Runs (outside the lock) whenever a grown slab becomes entirely free, so the loop can time its release. */
    public void onSlabIdle(Runnable action) {
        this.onSlabIdle = action;
    }

    /**
     * A block for the user or an operation. Grows the pool while the runtime's buffer memory is
     * under its cap; at the cap, with every block held, throws {@link BufferPoolExhaustedException}.
     */
    public IoBuffer acquire() {
        return acquire(false);
    }

    /**
     * A block for bytes the kernel has already handed over and that must not be lost (a cancelled
     * recv's data kept for the next one): at the cap it maps one block beyond it rather than
     * fail. Such blocks are rare and freed like any grown slab once idle.
     */
    public IoBuffer acquireForReceivedData() {
        return acquire(true);
    }

    private IoBuffer acquire(boolean beyondCap) {
        int block = acquireBlock(beyondCap);
        return handOut(block, block(block));
    }

    /**
     * A block for the runtime's own use, as an index (no {@link IoBuffer} is made: a send's copy
     * of the caller's bytes, say); it goes back with {@link #recycle}. Capped like {@link #acquire()}.
     */
    public int acquireBlock() {
        return acquireBlock(false);
    }

    private int acquireBlock(boolean beyondCap) {
        if (Thread.currentThread() == owner && !closed) {
            int block = takeFromStash();
            if (block >= 0) {
                return block;
            }
        }
        return acquireLocked(beyondCap);
    }

    private synchronized int acquireLocked(boolean beyondCap) {
        if (closed) {
            throw new IllegalStateException("buffer pool is closed (the runtime was closed)");
        }
        int slot = slabsWithFree.nextSetBit(0);
        if (slot < 0) {
            int stashedBlock = takeFromStash(); // free blocks the owner keeps: before growing or refusing
            if (stashedBlock >= 0) {
                return stashedBlock;
            }
        }
        Slab slab = slot >= 0 ? slabs[slot] : grow(beyondCap);
        return slab.firstBlock + take(slab);
    }

    /** A block out of the owner's stash, or -1: on the owner's thread, or under the lock on another. */
    private int takeFromStash() {
        int block = stash.pop();
        if (block >= 0) {
            stashed[block] = false;
        }
        return block;
    }

    /**
     * Takes a free block of the core without wrapping it, or -1: the provided-buffer ring lends
     * only core blocks, so a grown slab never has a block stuck in the kernel's ring and can be freed.
     */
    public int takeBlockIndex() {
        if (Thread.currentThread() == owner && !closed) {
            // The block released last first, as the core's own free stack would give it: the
            // kernel's next receive then writes into memory still in cache.
            int block = takeFromStash();
            if (block >= 0) {
                return block;
            }
        }
        return takeBlockIndexLocked();
    }

    private synchronized int takeBlockIndexLocked() {
        if (closed) {
            return -1;
        }
        return core.hasFree() ? take(core) : takeFromStash();
    }

    /**
     * Whether buffers of this pool may be given to operations of {@code other}'s runtime: every
     * pool of one runtime shares its {@link BufferMemory}, and only they outlive each other's ops.
     */
    public boolean sameRuntime(BufferPool other) {
        return other != null && memory == other.memory;
    }

    private IoBuffer handOut(int block, MemorySegment segment) {
        LeakTracker.Record leak = LeakTracker.maybeTrack(this);
        IoBuffer buffer = Buffers.create(this, block, segment, leak);
        return leak == null ? buffer : leak.watch(buffer);
    }

    /** The raw block behind {@code index}, for drivers that hand blocks to the kernel by id. */
    public MemorySegment block(int index) {
        if (index >= 0 && index < blocksPerSlab && !closed) {
            return core.block(index); // the core's segments never change: no lock
        }
        return blockLocked(index);
    }

    private synchronized MemorySegment blockLocked(int index) {
        Slab slab = slabOf(index);
        return slab.block(index - slab.firstBlock);
    }

    /** Wraps a block index taken with {@link #takeBlockIndex()} as a buffer of {@code length} readable bytes. */
    public IoBuffer wrap(int block, int length) {
        IoBuffer buffer = handOut(block, block(block));
        Buffers.setWriterIndex(buffer, length);
        return buffer;
    }

    /**
     * Returns a block; called by {@link IoBuffer#release()} once the kernel is done with it. A
     * block returned twice, or into a slab that is gone, is refused loudly: accepting it would
     * let two owners get the same memory.
     */
    public void recycle(int block) {
        if (block >= 0 && block < blocksPerSlab && Thread.currentThread() == owner && !closed) {
            // A core block back on the owner's thread: into the stash, no lock. A block that is
            // free already (stashed, or in the core's own free list) is refused as below.
            if (stashed[block] || core.isFree(block)) {
                throw new IllegalStateException("block " + block + " returned to the pool twice");
            }
            stashed[block] = true;
            if (stash.push(block)) {
                return;
            }
            stashed[block] = false; // the stash is full: back to the core under the lock
        }
        recycleLocked(block);
    }

    private void recycleLocked(int block) {
        boolean becameIdle;
        synchronized (this) {
            if (closed) {
                // Released after the runtime closed: the memory is gone, but the block is no
                // longer held, so it stops counting as in use (close reports what is still held).
                freeBlocks++;
                return;
            }
            Slab slab = slabOf(block);
            int offset = block - slab.firstBlock;
            if (slab.isFree(offset) || slab == core && stashed[offset]) {
                throw new IllegalStateException("block " + block + " returned to the pool twice");
            }
            slab.release(offset);
            freeBlocks++;
            int slot = block / blocksPerSlab;
            slabsWithFree.set(slot);
            becameIdle = slab != core && slab.allFree();
            if (becameIdle) {
                slab.idleSinceNanos = System.nanoTime();
                idleSlabs++;
            }
        }
        if (becameIdle) {
            onSlabIdle.run();
        }
    }

    /** Nanoseconds from {@code now} until an idle slab is due to be freed: 0 if one is, -1 if none waits. */
    public long nanosToTrim(long now) {
        if (idleSlabs == 0) {
            return -1;
        }
        synchronized (this) {
            long next = -1;
            for (int slot = 1; slot < slabs.length; slot++) {
                Slab slab = slabs[slot];
                if (slab != null && slab.allFree()) {
                    long left = Math.max(0, slab.idleSinceNanos + idleNanos - now);
                    next = next < 0 ? left : Math.min(next, left);
                }
            }
            return next;
        }
    }

    /** Unmaps every grown slab that has been entirely free for the idle time; cheap when none is. */
    public void trimIdle(long now) {
        if (idleSlabs == 0) {
            return;
        }
        List<Slab> freed = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            for (int slot = 1; slot < slabs.length; slot++) {
                Slab slab = slabs[slot];
                if (slab != null && slab.allFree() && now - slab.idleSinceNanos >= idleNanos) {
                    forget(slot, slab);
                    freed.add(slab);
                }
            }
        }
        for (Slab slab : freed) {
            slab.unmap(); // outside the lock: closing a shared arena waits for every thread to notice
            memory.release(slab.bytes);
        }
    }

    /** Number of free blocks right now. */
    public synchronized int freeBlocks() {
        return freeBlocks + stash.size();
    }

    /** Blocks acquired and not yet returned (held by users, operations or the kernel). */
    public synchronized int inUse() {
        return totalBlocks - freeBlocks - stash.size();
    }

    /** Blocks refused with {@link BufferPoolExhaustedException} so far (the cap, or the system, said no). */
    public synchronized long refusals() {
        return refusals;
    }

    /** Slabs mapped now, the core included. */
    public synchronized int slabCount() {
        return slabCount;
    }

    /** Bytes this pool has mapped now. */
    public synchronized long mappedBytes() {
        long bytes = 0;
        for (Slab slab : slabs) {
            bytes += slab == null ? 0 : slab.bytes;
        }
        return bytes;
    }

    /** Frees the native memory. The caller guarantees the kernel holds no block any more. */
    @Override
    public void close() {
        List<Slab> all = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Slab slab : slabs) {
                if (slab != null) {
                    all.add(slab);
                }
            }
            Arrays.fill(slabs, null);
        }
        for (Slab slab : all) {
            slab.unmap();
            memory.release(slab.bytes);
        }
    }

    // ---- internals (under the lock) -----------------------------------------------------------

    private int take(Slab slab) {
        if (slab != core && slab.allFree()) {
            idleSlabs--;
        }
        int offset = slab.take();
        freeBlocks--;
        if (!slab.hasFree()) {
            slabsWithFree.clear(slab.firstBlock / blocksPerSlab);
        }
        return offset;
    }

    /** Maps a new slab in the first empty slot, under the cap (or one block beyond it, if must). */
    private Slab grow(boolean beyondCap) {
        int slot = 1;
        while (slot < slabs.length && slabs[slot] != null) {
            slot++;
        }
        if ((long) (slot + 1) * blocksPerSlab > Integer.MAX_VALUE) {
            throw exhausted("the pool has run out of block indexes");
        }
        long slabBytes = (long) blockSize * blocksPerSlab;
        if (memory.tryReserve(slabBytes)) {
            return place(slot, map(slot * blocksPerSlab, blocksPerSlab, slabBytes));
        }
        if (beyondCap) {
            memory.reserveAnyway(blockSize);
            return place(slot, map(slot * blocksPerSlab, 1, blockSize));
        }
        throw exhausted("buffer memory cap reached: another " + size(slabBytes) + " slab would take the runtime's "
                + "buffers from " + size(memory.mapped()) + " to " + size(memory.mapped() + slabBytes) + ", over its cap of "
                + size(memory.max()));
    }

    private BufferPoolExhaustedException exhausted(String why) {
        refusals++;
        return new BufferPoolExhaustedException(why + "; all " + totalBlocks + " blocks of " + size(blockSize)
                + " in this loop's pool are held by buffers not yet released or sends not yet complete"
                + " (raise the cap with IoRuntimeOptions.withMaxBufferMemory or -Djring.buffers.maxMemory,"
                + " or hold fewer buffers at once)");
    }

    /** Maps a slab whose bytes are already counted in {@link #memory}; uncounts them if the system refuses. */
    private Slab map(int firstBlock, int blockCount, long bytes) {
        try {
            return Slab.map(firstBlock, blockCount, blockSize);
        } catch (NativeIoException e) {
            memory.release(bytes);
            refusals++;
            throw new BufferPoolExhaustedException(e.getMessage(), e);
        }
    }

    private Slab place(int slot, Slab slab) {
        if (slot >= slabs.length) {
            slabs = Arrays.copyOf(slabs, Math.max(slot + 1, slabs.length * 2));
        }
        slabs[slot] = slab;
        slabsWithFree.set(slot);
        if (slot != 0) {
            slab.idleSinceNanos = System.nanoTime(); // idle until its first block is taken
            idleSlabs++;
        }
        totalBlocks += slab.blockCount;
        freeBlocks += slab.blockCount;
        slabCount++;
        return slab;
    }

    private void forget(int slot, Slab slab) {
        slabs[slot] = null;
        slabsWithFree.clear(slot);
        totalBlocks -= slab.blockCount;
        freeBlocks -= slab.blockCount;
        slabCount--;
        idleSlabs--;
    }

    private Slab slabOf(int block) {
        int slot = block < 0 ? -1 : block / blocksPerSlab;
        Slab slab = slot >= 0 && slot < slabs.length ? slabs[slot] : null;
        if (slab == null || !slab.contains(block - slab.firstBlock)) {
            throw new IllegalStateException("block " + block + " is not in a live slab of this pool"
                    + (closed ? " (the pool is closed)" : " (returned after its slab was freed?)"));
        }
        return slab;
    }

    /** 256 MiB, 64 KiB, or bytes when neither is exact. */
    static String size(long bytes) {
        if (bytes != 0 && bytes % (1 << 20) == 0) {
            return bytes / (1 << 20) + " MiB";
        }
        return bytes != 0 && bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
    }
}
