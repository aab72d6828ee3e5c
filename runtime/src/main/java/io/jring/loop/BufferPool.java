package io.jring.loop;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.buffer.LeakTracker;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One loop's pool of fixed-size native blocks. The first slab is allocated page-aligned so the
 * io_uring driver can register it with the ring as one fixed buffer; when the pool runs dry it
 * grows by another (unregistered) slab rather than failing an operation, so the only bound on
 * its size is how many buffers users hold.
 *
 * <p>Acquire and release are safe from any thread (users release buffers wherever they finish
 * with them); the lock is uncontended in the common case, where the loop does both.
 */
public final class BufferPool implements AutoCloseable {
    private final int blockSize;
    private final int blocksPerSlab;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> blocks = new ArrayList<>();
    private int[] free;
    private int freeCount;
    /** Which blocks are in {@link #free}: a block given back twice would otherwise be handed to two owners. */
    private final java.util.BitSet isFree = new java.util.BitSet();
    private boolean closed;
    private volatile int registeredIndex = -1;
    private final MemorySegment firstSlab;
    /** The runtime this pool belongs to: operations accept only buffers of their own runtime. */
    private final Object runtime;

    /** A pool of its own, belonging to no runtime (tests). */
    public BufferPool(int blockSize, int blocksPerSlab) {
        this(blockSize, blocksPerSlab, new Object());
    }

    public BufferPool(int blockSize, int blocksPerSlab, Object runtime) {
        this.runtime = runtime;
        // What a buffer needs is loaded now, not at the first buffer, which may come when the
        // process has no descriptor left to read a class file with (EMFILE; see LeakTracker.preload).
        LeakTracker.preload();
        IoBuffer.END_OF_STREAM.isEndOfStream(); // initialises IoBuffer, which installs Buffers' access
        if (blockSize < 64 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("bufferSize must be a power of two >= 64, got " + blockSize);
        }
        if (blocksPerSlab < 1) {
            throw new IllegalArgumentException("buffersPerLoop must be >= 1, got " + blocksPerSlab);
        }
        this.blockSize = blockSize;
        this.blocksPerSlab = blocksPerSlab;
        this.free = new int[blocksPerSlab];
        this.firstSlab = addSlab();
    }

    public int blockSize() {
        return blockSize;
    }

    /** The first slab: the memory the io_uring driver registers as fixed buffer 0. */
    public MemorySegment registrableSlab() {
        return firstSlab;
    }

    /** Called once the first slab is registered with the ring under {@code bufIndex}. */
    public void markRegistered(int bufIndex) {
        this.registeredIndex = bufIndex;
    }

    /** The fixed-buffer index that covers {@code block}, or -1 if it is not registered memory. */
    public int fixedIndexOf(int block) {
        return block < blocksPerSlab ? registeredIndex : -1;
    }

    /** A block for the user or an operation; grows the pool instead of failing. */
    public synchronized IoBuffer acquire() {
        if (closed) {
            throw new IllegalStateException("buffer pool is closed (the runtime was closed)");
        }
        if (freeCount == 0) {
            addSlab();
        }
        int block = take();
        return handOut(block, blocks.get(block));
    }

    /** Whether buffers of this pool may be given to operations of {@code other}'s runtime. */
    public boolean sameRuntime(BufferPool other) {
        return other != null && runtime == other.runtime;
    }

    private IoBuffer handOut(int block, MemorySegment memory) {
        LeakTracker.Record leak = LeakTracker.maybeTrack(this);
        IoBuffer buffer = Buffers.create(this, block, memory, leak);
        return leak == null ? buffer : leak.watch(buffer);
    }

    /** The raw block behind {@code index}, for drivers that hand blocks to the kernel by id. */
    public synchronized MemorySegment block(int index) {
        return blocks.get(index);
    }

    /** Takes a free block index without wrapping it (the provided-buffer ring keeps indexes). */
    public synchronized int takeBlockIndex() {
        if (closed) {
            return -1;
        }
        if (freeCount == 0) {
            return -1;
        }
        return take();
    }

    private int take() {
        int block = free[--freeCount];
        isFree.clear(block);
        return block;
    }

    /** Number of free blocks right now. */
    public synchronized int freeBlocks() {
        return freeCount;
    }

    /** Blocks acquired and not yet returned (held by users, operations or the kernel). */
    public synchronized int inUse() {
        return blocks.size() - freeCount;
    }

    /** Returns a block; called by {@link IoBuffer#release()} once the kernel is done with it. */
    public synchronized void recycle(int block) {
        if (block < 0 || block >= blocks.size() || isFree.get(block)) {
            throw new IllegalStateException("buffer block " + block + (block < 0 || block >= blocks.size()
                    ? " is not in this pool" : " recycled twice (it is free already)"));
        }
        isFree.set(block);
        free[freeCount++] = block;
    }

    /** Wraps a block index taken with {@link #takeBlockIndex()} as a buffer of {@code length} readable bytes. */
    public IoBuffer wrap(int block, int length) {
        IoBuffer buffer = handOut(block, block(block));
        Buffers.setWriterIndex(buffer, length);
        return buffer;
    }

    private MemorySegment addSlab() {
        MemorySegment slab = arena.allocate((long) blockSize * blocksPerSlab, 4096);
        int first = blocks.size();
        for (int i = 0; i < blocksPerSlab; i++) {
            blocks.add(slab.asSlice((long) i * blockSize, blockSize));
        }
        if (free.length < blocks.size()) {
            free = java.util.Arrays.copyOf(free, blocks.size());
        }
        for (int i = blocksPerSlab - 1; i >= 0; i--) {
            free[freeCount++] = first + i;
            isFree.set(first + i);
        }
        return slab;
    }

    /** Frees the native memory. The caller guarantees the kernel holds no block any more. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
