package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.loop.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * send until every byte is out. Short writes are continued from where they stopped, so the
 * future completes only when the whole message is in the kernel's send buffer.
 *
 * <p>{@code MSG_WAITALL} lets io_uring itself continue a short send on a stream socket;
 * {@code MSG_NOSIGNAL} turns a write to a closed connection into EPIPE instead of SIGPIPE.
 *
 * <p>Always {@code IORING_OP_SEND} with the plain address, even for a block of the registered
 * slab: a TCP send copies the bytes into the socket whatever the opcode, so a registered buffer
 * saves no page pinning here, while {@code WRITE_FIXED} went through the file write path
 * (a bvec import, {@code sock_write_iter}, and an fsnotify on every completion), about 0.35 µs
 * of kernel time per send more than SEND in the echo profile (README, "echo N=1000 in the kernel").
 */
public final class SendOp extends StreamSendOp {
    private static final int SEND_FLAGS = Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL;

    private final IoBuffer buffer;      // the user's buffer (taken), or null when sending a copy
    /** The pool block holding a copy of the caller's segment (no IoBuffer is made for it), or -1. */
    private final int copyBlock;
    private final MemorySegment keepAlive; // that block, or a runtime-owned copy too big for one; or null
    private final long address;         // what to send: plain numbers, so no slice is made per send
    // ints, not longs: one send is at most 2 GiB - 1 (checked), and two ints keep the op 8 bytes smaller
    private final int length;
    private int sent;

    /** Sends {@code buffer}'s readable bytes and releases it when done. */
    public SendOp(OpContext context, OpOwner owner, int fd, IoBuffer buffer, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        checkSameRuntime(context, buffer);
        Buffers.takeForSend(buffer); // throws, taking nothing, if the caller does not own it
        this.buffer = buffer;
        this.copyBlock = -1;
        this.keepAlive = null;
        this.address = Buffers.address(buffer, buffer.readerIndex());
        this.length = buffer.readableBytes();
    }

    /**
     * Sends a copy of {@code segment}'s bytes, made now in memory the runtime owns until the
     * kernel's last completion: a cancelled send completes its future at once while the kernel
     * may still be reading, and by then the caller may have freed its segment (an explicit
     * Arena), which no reference of ours could keep alive.
     */
    public SendOp(OpContext context, OpOwner owner, int fd, MemorySegment segment, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.buffer = null;
        this.copyBlock = copyBlockFor(context, segment);
        this.keepAlive = copyOf(context, segment, copyBlock);
        this.address = keepAlive.address();
        this.length = (int) segment.byteSize();
    }

    /**
     * The pooled block a copy of {@code segment} goes into, or -1 when it is larger than a block
     * (then {@link #copyOf} allocates). Refuses a segment over 2 GiB - 1 before taking anything.
     */
    static int copyBlockFor(OpContext context, MemorySegment segment) {
        long size = segment.byteSize();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("send takes at most " + Integer.MAX_VALUE + " bytes per call, got "
                    + size + ": send the segment in slices");
        }
        return size <= context.pool().blockSize() ? context.pool().acquireBlock() : -1;
    }

    /** A copy of {@code segment} in memory the runtime owns: {@code copyBlock}, or its own allocation. */
    static MemorySegment copyOf(OpContext context, MemorySegment segment, int copyBlock) {
        if (copyBlock < 0) {
            return Arena.ofAuto().allocate(segment.byteSize(), 8).copyFrom(segment);
        }
        MemorySegment block = context.pool().block(copyBlock);
        MemorySegment.copy(segment, 0, block, 0, segment.byteSize());
        return block;
    }

    /**
     * Refuses a buffer of another runtime (or of one already closed): its memory could be freed
     * while the kernel still reads or writes it.
     */
    static void checkSameRuntime(OpContext context, IoBuffer buffer) {
        if (!buffer.isEndOfStream() && !context.pool().sameRuntime(Buffers.pool(buffer))) {
            throw new IllegalArgumentException(buffer + " belongs to another IoRuntime (or to one that was closed):"
                    + " use buffers from this connection's runtime (Connection.allocate() or recv())");
        }
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SEND, fd, address + sent, remaining(), 0).opFlags(SEND_FLAGS);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        if (buffer != null) {
            return Buffers.heldByOperation(buffer) && Invariants.within(Buffers.memory(buffer), at, size);
        }
        return Invariants.within(keepAlive, at, size);
    }

    @Override
    public long attempt() {
        return LibC.send(fd, MemorySegment.ofAddress(address + sent), remaining(), Linux.MSG_NOSIGNAL);
    }

    /** A short write: the send buffer is full. */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < remaining();
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return fail(res);
        }
        sent += (int) res;
        return sent < length ? RESUBMIT : deliver(null);
    }

    /** The bytes this send writes in all: what it adds to its connection's queued send bytes. */
    public long bytes() {
        return length;
    }

    @Override
    protected void releaseResources() {
        if (buffer != null) {
            Buffers.releaseAfterSend(buffer);
        } else if (copyBlock >= 0) {
            context.pool().recycle(copyBlock);
        }
        if (owner() != null) {
            owner().sendEnded(length);
        }
    }

    private int remaining() {
        return length - sent;
    }

    // ---- as one part of a coalesced send (SendBatchOp) -----------------------------------------

    /** Where this send's unsent bytes start: memory it holds until it ends. */
    long unsentAddress() {
        return address + sent;
    }

    int unsentBytes() {
        return remaining();
    }

    /** {@code count} more of its bytes went out as part of a batch. */
    void sentInBatch(int count) {
        sent += count;
    }

    /** The fixed-buffer index for a pooled buffer in registered memory, else -1. */
    static int fixedIndex(OpContext context, IoBuffer buffer) {
        if (!context.fixedBuffersRegistered()) {
            return -1;
        }
        BufferPool pool = Buffers.pool(buffer);
        if (pool != context.pool()) {
            return -1;
        }
        return pool.fixedIndexOf(Buffers.block(buffer));
    }
}
