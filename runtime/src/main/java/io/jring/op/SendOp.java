package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;
import static io.jring.bindings.IoUringConstants.IORING_OP_WRITE_FIXED;

import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * send until every byte is out. Short writes are continued from where they stopped, so the
 * future completes only when the whole message is in the kernel's send buffer.
 *
 * <p>{@code MSG_WAITALL} lets io_uring itself continue a short send on a stream socket;
 * {@code MSG_NOSIGNAL} turns a write to a closed connection into EPIPE instead of SIGPIPE.
 */
public final class SendOp extends Op<Void> {
    private static final int SEND_FLAGS = Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL;

    private final IoBuffer buffer;      // null when sending a segment
    private final MemorySegment keepAlive; // a segment (or its native copy) the kernel reads from
    private final long address;         // what to send: plain numbers, so no slice is made per send
    private final long length;
    private long sent;
    /**
     * WRITE_FIXED answered EAGAIN: it honours the socket's O_NONBLOCK (the runtime's sockets
     * have it, for epoll) and gives up where SEND would arm a poll and wait. Go on with SEND.
     */
    private boolean fixedGaveUp;

    /** Sends {@code buffer}'s readable bytes and releases it when done. */
    public SendOp(OpContext context, OpOwner owner, int fd, IoBuffer buffer, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.buffer = buffer;
        this.keepAlive = null;
        this.address = buffer.segment().address() + buffer.readerIndex();
        this.length = buffer.readableBytes();
        buffer.lendToKernel();
    }

    /** Sends a native segment the caller keeps alive until completion; a heap segment is copied first. */
    public SendOp(OpContext context, OpOwner owner, int fd, MemorySegment segment, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.buffer = null;
        this.keepAlive = segment.isNative() ? segment : Arena.ofAuto().allocate(segment.byteSize()).copyFrom(segment);
        this.address = keepAlive.address();
        this.length = keepAlive.byteSize();
    }

    @Override
    public String name() {
        return "send";
    }

    @Override
    public void prepare(Sqe sqe) {
        int fixedIndex = buffer == null || fixedGaveUp ? -1 : fixedIndex(context, buffer);
        if (fixedIndex >= 0) {
            sqe.prep(IORING_OP_WRITE_FIXED, fd, address + sent, remaining(), 0).bufIndex(fixedIndex);
        } else {
            sqe.prep(IORING_OP_SEND, fd, address + sent, remaining(), 0).opFlags(SEND_FLAGS);
        }
    }

    @Override
    public int interest() {
        return Linux.EPOLLOUT;
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
        if (res == -Errno.EAGAIN && !fixedGaveUp && buffer != null && fixedIndex(context, buffer) >= 0) {
            fixedGaveUp = true; // only the completion form sees EAGAIN: readiness retries it itself
            return RESUBMIT;
        }
        if (res < 0) {
            return fail(res);
        }
        sent += res;
        return sent < length ? RESUBMIT : deliver(null);
    }

    @Override
    protected void releaseResources() {
        if (buffer != null) {
            buffer.returnFromKernel();
            buffer.release();
        }
    }

    private int remaining() {
        return (int) Math.min(Integer.MAX_VALUE, length - sent);
    }

    /** The fixed-buffer index for a pooled buffer in registered memory, else -1. */
    static int fixedIndex(OpContext context, IoBuffer buffer) {
        if (!context.fixedBuffersRegistered() || buffer.pool() != context.pool()) {
            return -1;
        }
        return buffer.pool().fixedIndexOf(buffer.blockIndex());
    }
}
