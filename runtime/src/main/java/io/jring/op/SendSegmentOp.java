package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;

import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;

/**
 * send straight from a caller's segment ({@code Connection.sendInPlace}) until every byte is
 * out. The segment is {@link PinnableMemory pinnable}: this op holds it, and so its memory,
 * until its last CQE, even after a user's cancel has ended the future.
 */
public final class SendSegmentOp extends StreamSendOp {
    private static final int SEND_FLAGS = Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL;

    /** The caller's memory: this reference is what keeps it alive while the kernel may read it. */
    private final MemorySegment bytes;
    private final int length;
    private int sent;

    public SendSegmentOp(OpContext context, OpOwner owner, int fd, MemorySegment bytes, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        PinnableMemory.check("sendInPlace", bytes);
        this.bytes = bytes;
        this.length = (int) bytes.byteSize();
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SEND, fd, bytes.address() + sent, length - sent, 0).opFlags(SEND_FLAGS);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(bytes, at, size);
    }

    @Override
    public long attempt() {
        return LibC.send(fd, bytes.asSlice(sent), length - sent, Linux.MSG_NOSIGNAL);
    }

    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < length - sent;
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
        if (owner() != null) {
            owner().sendEnded(length);
        }
    }
}
