package io.jring.buffer;

import io.jring.IoBuffer;
import io.jring.loop.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * The runtime's side of {@link IoBuffer}: making buffers, and handing their blocks to the
 * kernel and back. Implemented inside IoBuffer, so none of this is public API; reached through
 * {@link Buffers}.
 */
public interface BufferAccess {
    IoBuffer create(BufferPool pool, int block, MemorySegment memory, LeakTracker.Record leak);

    /** The block, unchecked: for operations that hold the buffer. */
    MemorySegment memory(IoBuffer b);

    BufferPool pool(IoBuffer b);

    int block(IoBuffer b);

    /** Sets the writer index of a buffer an operation holds (a receive filled it). */
    void setWriterIndex(IoBuffer b, int index);

    /** A send takes the buffer from its owner, or throws IllegalStateException naming why not. */
    void takeForSend(IoBuffer b);

    /** Gives a buffer taken by {@link #takeForSend} back to its owner (the send was refused). */
    void undoTake(IoBuffer b);

    /** The send that took {@code b} has ended: the block goes back to the pool. */
    void releaseAfterSend(IoBuffer b);

    /** Lends an owned buffer to a receive, or throws IllegalStateException. */
    void lend(IoBuffer b);

    /** The user cancelled the receive {@code b} is lent to: they may release it, the kernel still has it. */
    void abandon(IoBuffer b);

    /** The kernel is done: the owner has it back, or the pool does if it was released meanwhile. */
    void giveBack(IoBuffer b);

    boolean isOwned(IoBuffer b);

    /** Whether an operation holds {@code b}: a send took it, or it is lent (released meanwhile or not). */
    boolean heldByOperation(IoBuffer b);
}
