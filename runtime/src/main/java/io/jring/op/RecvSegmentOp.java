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
 * recv straight into a caller's segment ({@code Connection.recvInPlace}); completes with the
 * byte count, or -1 at end of stream. The segment is {@link PinnableMemory pinnable}: this op
 * holds it, and so its memory, until its last CQE, however the op ends (a timeout or a close
 * ends it only then; a user's cancel ends the future at once, and bytes the kernel writes
 * after it are copied out for the next receive when the CQE comes).
 *
 * <p>The same claim between delivering and a user's cancel as {@link RecvIntoOp}: bytes are
 * either delivered or kept for the next receive, never dropped.
 */
public final class RecvSegmentOp extends ReceiveOp<Integer> {
    private static final int OPEN = 0;
    private static final int DELIVERING = 1;
    private static final int CANCELLING = 2;
    private static final VarHandle CLAIM;

    static {
        try {
            CLAIM = MethodHandles.lookup().findVarHandle(RecvSegmentOp.class, "claim", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through CLAIM
    private volatile int claim;
    /** The caller's memory: this reference is what keeps it alive while the kernel may write it. */
    private final MemorySegment into;
    private final int length;

    public RecvSegmentOp(OpContext context, OpOwner owner, int fd, MemorySegment into, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        PinnableMemory.check("recvInPlace", into);
        this.into = into;
        this.length = (int) into.byteSize();
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public boolean runtimePicksMemory() {
        return false;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_RECV, fd, into.address(), length, 0);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(into, at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        return LibC.recv(fd, into, length, 0);
    }

    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < length;
    }

    /** A cancel once the data is being delivered comes too late, as if the op had completed. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean claimed = CLAIM.compareAndSet(this, OPEN, CANCELLING);
        if (!claimed && (int) CLAIM.getVolatile(this) == DELIVERING) {
            return false;
        }
        return super.cancel(mayInterruptIfRunning) || claimed;
    }

    @Override
    public int complete(long res, int flags) {
        if (!claimForDelivery()) {
            if (res > 0) {
                keepForNextRecv((int) res); // cancelled as the data came: it is the next receive's
            }
            return fail(new CancellationException("recv cancelled"));
        }
        if (res > 0) {
            return deliver((int) res);
        }
        return res == 0 ? deliver(-1) : fail(res);
    }

    private boolean claimForDelivery() {
        return CLAIM.compareAndSet(this, OPEN, DELIVERING) && !isDone();
    }

    /**
     * Copies what the kernel wrote into pooled blocks the owner keeps; the bytes have left the
     * socket. The owner puts each kept block first in line, so the last block goes first.
     */
    private void keepForNextRecv(int count) {
        int block = context.pool().blockSize();
        for (int from = (count - 1) / block * block; from >= 0; from -= block) {
            IoBuffer copy = context.pool().acquireForReceivedData();
            int n = Math.min(count - from, block);
            MemorySegment.copy(into, from, Buffers.memory(copy), 0, n);
            Buffers.setWriterIndex(copy, n);
            owner().keepUnclaimed(copy);
        }
    }

    /** Served from the connection's inbox (a multishot stream was armed): copies what fits. */
    @Override
    public int takeFrom(IoBuffer buffer) {
        if (!claimForDelivery()) {
            fail(new CancellationException("recv cancelled"));
            return NOT_TAKEN;
        }
        int count = Math.min(length, buffer.readableBytes());
        MemorySegment.copy(Buffers.memory(buffer), buffer.readerIndex(), into, 0, count);
        if (!completeIfWaiting(count)) {
            return NOT_TAKEN; // ended meanwhile (a timeout): the bytes stay in the inbox
        }
        buffer.skip(count);
        return COPIED;
    }
}
