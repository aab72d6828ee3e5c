package io.jring.loop;

import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.bindings.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One mapping of a pool: {@code blockCount} blocks with a free stack of their own. The memory is
 * an anonymous mmap rather than malloc, so unmapping it really hands the pages back to the
 * system (glibc keeps freed multi-MiB chunks once its mmap threshold has risen), and it lives in
 * an Arena of its own so it can be freed alone: a segment of it that someone still holds fails
 * on access after that instead of reaching memory reused for something else.
 *
 * <p>Guarded by its pool's lock.
 */
final class Slab {
    final int firstBlock;
    final int blockCount;
    final long bytes;
    final MemorySegment memory;
    private final Arena arena;
    private final MemorySegment[] blocks;
    private final int[] freeStack;
    private final boolean[] isFree;
    private int freeCount;
    /** When the last block came back (valid while every block is free). */
    long idleSinceNanos;

    private Slab(int firstBlock, int blockCount, int blockSize, long address, Arena arena) {
        this.firstBlock = firstBlock;
        this.blockCount = blockCount;
        this.bytes = (long) blockSize * blockCount;
        this.arena = arena;
        this.memory = NativeMemory.ownedMapping(address, bytes, arena);
        this.blocks = new MemorySegment[blockCount];
        this.freeStack = new int[blockCount];
        this.isFree = new boolean[blockCount];
        for (int i = 0; i < blockCount; i++) {
            blocks[i] = memory.asSlice((long) i * blockSize, blockSize);
        }
        for (int i = blockCount - 1; i >= 0; i--) {
            release(i);
        }
    }

    /** Maps a slab of {@code blockCount} blocks (page-aligned, zero-filled lazily by the kernel). */
    static Slab map(int firstBlock, int blockCount, int blockSize) throws NativeIoException {
        long bytes = (long) blockSize * blockCount;
        long address = LibC.mmapAnonymous(bytes);
        if (address < 0) {
            throw new NativeIoException("mmap of a " + bytes / 1024 + " KiB buffer slab", (int) -address,
                    "the system is out of memory or address space; lower maxBufferMemory or buffersPerLoop");
        }
        return new Slab(firstBlock, blockCount, blockSize, address, Arena.ofShared());
    }

    MemorySegment block(int offset) {
        return blocks[offset];
    }

    boolean hasFree() {
        return freeCount > 0;
    }

    boolean allFree() {
        return freeCount == blockCount;
    }

    int freeCount() {
        return freeCount;
    }

    boolean contains(int offset) {
        return offset >= 0 && offset < blockCount;
    }

    boolean isFree(int offset) {
        return isFree[offset];
    }

    /** Pops a free block's offset; the caller checked {@link #hasFree()}. */
    int take() {
        int offset = freeStack[--freeCount];
        isFree[offset] = false;
        return offset;
    }

    /** Pushes a block back; the caller checked it is not free already. */
    void release(int offset) {
        isFree[offset] = true;
        freeStack[freeCount++] = offset;
    }

    /** Unmaps the memory; only once no block can be touched by the kernel or handed out again. */
    void unmap() {
        arena.close();
    }
}
