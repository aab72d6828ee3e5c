package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SENDMSG;
import static io.jring.bindings.SocketLayouts.IOVEC;
import static io.jring.bindings.SocketLayouts.IOV_BASE;
import static io.jring.bindings.SocketLayouts.IOV_LEN;
import static io.jring.bindings.SocketLayouts.MSGHDR;
import static io.jring.bindings.SocketLayouts.MSG_IOV;
import static io.jring.bindings.SocketLayouts.MSG_IOVLEN;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Gathering send (sendmsg with an iovec per buffer): several buffers leave in one call, in
 * order, and all are released at the end. The msghdr and iovecs live in one pooled block, so
 * a gather costs no allocation; after a short write they are rebuilt past the sent bytes.
 */
public final class SendvOp extends StreamSendOp {
    /** How many iovecs fit in one block after the msghdr; also below the kernel's IOV_MAX (1024). */
    public static int maxBuffers(int blockSize) {
        return (int) Math.min(1024, (blockSize - MSGHDR.byteSize()) / IOVEC.byteSize());
    }

    private final IoBuffer[] buffers;
    private final IoBuffer scratch;
    private final long total;
    private long sent;

    public SendvOp(OpContext context, OpOwner owner, int fd, IoBuffer[] buffers, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        if (buffers.length == 0 || buffers.length > maxBuffers(context.pool().blockSize())) {
            throw new IllegalArgumentException("sendv takes 1 to " + maxBuffers(context.pool().blockSize())
                    + " buffers, got " + buffers.length);
        }
        long sum = 0;
        for (IoBuffer b : buffers) {
            SendOp.checkSameRuntime(context, b);
            sum += b.readableBytes();
        }
        IoBuffer message = context.pool().acquire();
        try {
            takeAll("sendv", buffers);
        } catch (IllegalStateException e) {
            message.release();
            throw e;
        }
        this.buffers = buffers;
        this.total = sum;
        this.scratch = message;
        Buffers.lend(scratch);
    }

    @Override
    public String name() {
        return "sendv";
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SENDMSG, fd, buildMessage().address(), 1, 0)
                .opFlags(Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL);
    }

    /** The msghdr and iovecs live in the scratch block; each iovec points into a buffer this send took. */
    @Override
    public boolean holdsMemory(long at, long size) {
        if (!Buffers.heldByOperation(scratch) || !Invariants.within(Buffers.memory(scratch), at, size)) {
            return false;
        }
        for (IoBuffer b : buffers) {
            if (!Buffers.heldByOperation(b)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long attempt() {
        return LibC.sendmsg(fd, buildMessage(), Linux.MSG_NOSIGNAL);
    }

    /** A short write: the send buffer is full. */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < total - sent;
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return fail(res);
        }
        sent += res;
        return sent < total ? RESUBMIT : deliver(null);
    }

    /** The bytes this gather writes in all: what it adds to its connection's queued send bytes. */
    public long bytes() {
        return total;
    }

    @Override
    protected void releaseResources() {
        for (IoBuffer b : buffers) {
            Buffers.releaseAfterSend(b);
        }
        Buffers.giveBack(scratch);
        scratch.release();
        if (owner() != null) {
            owner().sendEnded(total);
        }
    }

    /**
     * Takes every buffer, or none: on a buffer the caller does not own (released, held by
     * another operation, or listed twice) the ones already taken go back, and the caller
     * still owns all it passed.
     */
    static void takeAll(String call, IoBuffer[] buffers) {
        for (int i = 0; i < buffers.length; i++) {
            try {
                Buffers.takeForSend(buffers[i]);
            } catch (IllegalStateException e) {
                for (int j = 0; j < i; j++) {
                    Buffers.undoTake(buffers[j]);
                }
                throw new IllegalStateException(call + " refused buffer " + i + ": " + e.getMessage(), e);
            }
        }
    }

    /** msghdr at the block's start, iovecs after it, covering what is still unsent. */
    private MemorySegment buildMessage() {
        MemorySegment block = Buffers.memory(scratch);
        MemorySegment msg = block.asSlice(0, MSGHDR.byteSize()).fill((byte) 0);
        long iovBase = MSGHDR.byteSize();
        long skip = sent;
        int count = 0;
        for (IoBuffer b : buffers) {
            // Each index read once: the window [from + skip, writer index) stays inside the block
            // even if a misbehaving thread moved an index of a buffer this send took.
            int from = b.readerIndex();
            long length = b.writerIndex() - from;
            if (skip >= length) {
                skip -= length;
                continue;
            }
            long at = iovBase + count * IOVEC.byteSize();
            block.set(ValueLayout.JAVA_LONG, at + IOV_BASE, Buffers.address(b, from + skip));
            block.set(ValueLayout.JAVA_LONG, at + IOV_LEN, length - skip);
            skip = 0;
            count++;
        }
        msg.set(ValueLayout.JAVA_LONG, MSG_IOV, block.address() + iovBase);
        msg.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, count);
        return msg;
    }
}
