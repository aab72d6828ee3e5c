package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;

/**
 * recv into the caller's buffer, after its writer index; completes with the byte count, or -1
 * at end of stream.
 *
 * <p>Always {@code IORING_OP_RECV}, even into a block of the registered slab (as {@link SendOp}
 * always sends with SEND): a TCP receive copies the bytes out of the socket whatever the opcode,
 * so a registered buffer saves nothing, while {@code READ_FIXED} took the file read path (a bvec
 * import, {@code sock_read_iter}, {@code kiocb_done} and an fsnotify per completion) and gave up
 * with EAGAIN on the runtime's non-blocking sockets where RECV arms a poll and waits.
 */
public final class RecvIntoOp extends ReceiveOp<Integer> {
    // Who settles the op when the kernel has written data and a user's cancel may come at the
    // same moment from another thread: the first to claim wins, so the bytes are either
    // delivered or kept for the next recv, never dropped between an isDone() check and the
    // completion (ChaosContract found that gap: about one seed in 200).
    private static final int OPEN = 0;
    private static final int DELIVERING = 1;
    private static final int CANCELLING = 2;
    private static final VarHandle CLAIM;

    static {
        try {
            CLAIM = MethodHandles.lookup().findVarHandle(RecvIntoOp.class, "claim", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through CLAIM
    private volatile int claim;
    private final IoBuffer into;

    public RecvIntoOp(OpContext context, OpOwner owner, int fd, IoBuffer into, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        if (into.isEndOfStream() || into.writableBytes() == 0) {
            throw new IllegalArgumentException("recv needs a buffer with writable space, got " + into);
        }
        SendOp.checkSameRuntime(context, into);
        Buffers.lend(into); // throws if the caller does not own it (released, or in use)
        this.into = into;
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public void prepare(Sqe sqe) {
        // The writer index is read once: the window the kernel writes, [writer index, capacity),
        // then stays inside the block even if a misbehaving thread moved the index meanwhile.
        int from = into.writerIndex();
        long address = Buffers.address(into, from);
        int length = into.capacity() - from;
        sqe.prep(IORING_OP_RECV, fd, address, length, 0);
    }

    /** A cancel once the data is being delivered comes too late, as if the op had completed. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean claimed = CLAIM.compareAndSet(this, OPEN, CANCELLING);
        if (!claimed && (int) CLAIM.getVolatile(this) == DELIVERING) {
            return false;
        }
        // Claimed: this op ends cancelled whoever completes the future, this thread or the loop
        // (which keeps the data for the next recv and fails the op with a CancellationException).
        return super.cancel(mayInterruptIfRunning) || claimed;
    }

    /** The user may release {@code into} now; its block stays the kernel's until the last CQE. */
    @Override
    protected void onCancelling() {
        Buffers.abandon(into);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Buffers.heldByOperation(into) && Invariants.within(Buffers.memory(into), at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        int from = into.writerIndex(); // read once, as in prepare
        return LibC.recv(fd, Buffers.memory(into).asSlice(from), into.capacity() - from, 0);
    }

    /** A short read: the socket had no more (asked for the buffer's writable space). */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < into.writableBytes();
    }

    @Override
    public int complete(long res, int flags) {
        if (!claimForDelivery()) {
            // Cancelled as the result came (the cancel may still be completing the future on its
            // thread): bytes are the next recv's, an end of stream or error is met again by it,
            // and this op ends as cancelled.
            if (res > 0) {
                keepForNextRecv((int) res);
            }
            return fail(new CancellationException("recv cancelled"));
        }
        if (res > 0) {
            Buffers.setWriterIndex(into, into.writerIndex() + (int) res);
            return deliver((int) res); // no cancel can win now: it sees DELIVERING
        }
        return res == 0 ? deliver(-1) : fail(res);
    }

    /** Claims the op for delivering its result: false if a user's cancel claimed it first (or it ended). */
    private boolean claimForDelivery() {
        return CLAIM.compareAndSet(this, OPEN, DELIVERING) && !isDone();
    }

    /**
     * Copies what the kernel just wrote after the writer index into a pooled block the owner
     * keeps. The bytes have left the socket, so the copy may not fail for the pool's cap.
     */
    private void keepForNextRecv(int count) {
        IoBuffer copy = context.pool().acquireForReceivedData();
        MemorySegment.copy(Buffers.memory(into), into.writerIndex(), Buffers.memory(copy), 0, count);
        Buffers.setWriterIndex(copy, count);
        owner().keepUnclaimed(copy);
    }

    @Override
    public boolean runtimePicksMemory() {
        return false;
    }

    /** Copies as much of {@code buffer} as fits after the writer index. */
    @Override
    public int takeFrom(IoBuffer buffer) {
        if (!claimForDelivery()) {
            fail(new CancellationException("recv cancelled")); // the user's cancel claimed it first
            return NOT_TAKEN;
        }
        int from = buffer.readerIndex();
        int count = Math.min(into.writableBytes(), buffer.readableBytes());
        int writerIndex = into.writerIndex();
        MemorySegment.copy(Buffers.memory(buffer), from, Buffers.memory(into), writerIndex, count);
        Buffers.setWriterIndex(into, writerIndex + count);
        if (!completeIfWaiting(count)) {
            Buffers.setWriterIndex(into, writerIndex); // ended meanwhile (orTimeout): the bytes are the next recv's
            return NOT_TAKEN;
        }
        buffer.skip(count);
        return COPIED;
    }

    @Override
    protected void releaseResources() {
        Buffers.giveBack(into);
    }
}
