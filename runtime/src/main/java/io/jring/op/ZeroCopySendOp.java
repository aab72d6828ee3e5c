package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_CQE_F_MORE;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_NOTIF;
import static io.jring.bindings.IoUringConstants.IORING_NOTIF_USAGE_ZC_COPIED;
import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;
import static io.jring.bindings.IoUringConstants.IORING_OP_SEND_ZC;
import static io.jring.bindings.IoUringConstants.IORING_RECVSEND_FIXED_BUF;
import static io.jring.bindings.IoUringConstants.IORING_SEND_ZC_REPORT_USAGE;

import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.buffer.Buffers;
import java.lang.foreign.MemorySegment;

/**
 * A send through io_uring's SEND_ZC: the kernel transmits from the buffer itself instead of
 * copying it into socket memory. The kernel answers with two CQEs under the op's user_data:
 * the result (with {@code IORING_CQE_F_MORE}), once every byte is queued on the socket, and
 * later a notification ({@code IORING_CQE_F_NOTIF}), once no packet refers to the buffer any
 * more (for TCP, when the peer acknowledged it). Until the notification the buffer may still be
 * read, and retransmitted, by the network stack, so:
 *
 * <ul>
 *   <li>the op holds its memory (the user's buffer, which a send takes, or the copy of a
 *       segment) until the notification, and only then gives it back and {@link #finished()}
 *       runs: a cancel, a deadline or a close that comes meanwhile changes nothing of that;
 *   <li>the user's future completes once: at the result when every byte went (or the send
 *       failed for good), so a send does not wait for the peer's acknowledgement; otherwise
 *       at the notification. The owner hears {@link OpOwner#sendDone} at that point, so the
 *       connection's next send starts and a close may close the descriptor, which the op no
 *       longer uses;
 *   <li>a socket that refuses zero-copy (EOPNOTSUPP, or EINVAL from a kernel without
 *       {@code IORING_SEND_ZC_REPORT_USAGE}) gets the same bytes through a plain SEND, with no
 *       error to the user, and {@link #refusedBySocket()} tells the connection to stop trying.
 * </ul>
 *
 * <p>{@code IORING_SEND_ZC_REPORT_USAGE} makes the notification say whether the kernel copied
 * after all (loopback and veth always do); the driver counts those. A short result (rare with
 * {@code MSG_WAITALL}) is continued after its notification, so one op never has two sends in
 * the kernel. The readiness form (epoll) is a plain {@code send}.
 */
public final class ZeroCopySendOp extends StreamSendOp {
    private static final int SEND_FLAGS = Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL;
    /** Nothing awaits a notification. */
    private static final long NO_RESULT = Long.MIN_VALUE;

    private final IoBuffer buffer;        // the user's buffer (taken), or null when sending a copy
    private final int copyBlock;          // the pool block holding a copy of the caller's segment, or -1
    private final MemorySegment keepAlive; // that block, or a runtime-owned copy too big for one; or null
    private final long address;
    private final int length;
    private int sent;
    /** Still SEND_ZC; false once the socket refused it (then plain SEND). */
    private boolean zeroCopy = true;
    private boolean refused;
    /** The result CQE's res while its notification is awaited, else {@link #NO_RESULT}. */
    private long awaited = NO_RESULT;
    /** The future is settled and the owner told; only the memory waits for the notification. */
    private boolean done;
    private boolean uncounted;

    /** Sends {@code buffer}'s readable bytes zero-copy and releases it after the kernel's notification. */
    public ZeroCopySendOp(OpContext context, OpOwner owner, int fd, IoBuffer buffer, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        SendOp.checkSameRuntime(context, buffer);
        Buffers.takeForSend(buffer); // throws, taking nothing, if the caller does not own it
        this.buffer = buffer;
        this.copyBlock = -1;
        this.keepAlive = null;
        this.address = Buffers.address(buffer, buffer.readerIndex());
        this.length = buffer.readableBytes();
    }

    /**
     * Sends a copy of {@code segment}, made now in memory the runtime owns until the
     * notification: the caller may free its segment as soon as the call returns, as with
     * {@link SendOp}. (The copy costs what zero-copy saves in the kernel; it is what keeps the
     * caller's memory out of the kernel's hands.)
     */
    public ZeroCopySendOp(OpContext context, OpOwner owner, int fd, MemorySegment segment, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.buffer = null;
        this.copyBlock = SendOp.copyBlockFor(context, segment);
        this.keepAlive = SendOp.copyOf(context, segment, copyBlock);
        this.address = keepAlive.address();
        this.length = (int) segment.byteSize();
    }

    /** The bytes this send writes in all: what it adds to its connection's queued send bytes. */
    public long bytes() {
        return length;
    }

    /** Whether the socket refused zero-copy (the bytes went by plain SEND): its connection stops trying. */
    public boolean refusedBySocket() {
        return refused;
    }

    @Override
    public void prepare(Sqe sqe) {
        if (!zeroCopy) {
            sqe.prep(IORING_OP_SEND, fd, address + sent, remaining(), 0).opFlags(SEND_FLAGS);
            return;
        }
        int fixedIndex = fixedIndex();
        sqe.prep(IORING_OP_SEND_ZC, fd, address + sent, remaining(), 0).opFlags(SEND_FLAGS)
                .ioprio(IORING_SEND_ZC_REPORT_USAGE | (fixedIndex >= 0 ? IORING_RECVSEND_FIXED_BUF : 0));
        if (fixedIndex >= 0) {
            sqe.bufIndex(fixedIndex); // registered pages: the kernel need not pin them per send
        }
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

    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < remaining();
    }

    @Override
    public int complete(long res, int flags) {
        if ((flags & IORING_CQE_F_NOTIF) != 0) {
            long result = awaited;
            if (result == NO_RESULT) {
                return STILL_ARMED; // no result announced one: nothing of ours (never seen; kept harmless)
            }
            awaited = NO_RESULT;
            if (result > 0) {
                context.zeroCopySent((res & IORING_NOTIF_USAGE_ZC_COPIED) != 0);
            }
            // The kernel let go of the memory: only now may it be given back or sent from again.
            if (done) {
                releaseResources();
                return FINISHED;
            }
            return onResult(result);
        }
        if ((flags & IORING_CQE_F_MORE) != 0) {
            awaited = res; // a notification follows: nothing is given back before it
            if (isFinal(res)) {
                endForUser(res);
            }
            return STILL_ARMED;
        }
        return onResult(res); // no notification follows (plain SEND, or refused before the kernel took anything)
    }

    /** Whether {@code res} ends the send for its user: every byte went, or it failed and will not be tried again. */
    private boolean isFinal(long res) {
        if (res >= 0) {
            return sent + res >= length || cancelRequested();
        }
        return !(zeroCopy && refusal(res)) || cancelRequested();
    }

    /**
     * Completes the future and tells the owner before the notification: the bytes are in the
     * kernel (or the send failed), so the connection may go on while the memory stays held.
     */
    private void endForUser(long res) {
        done = true;
        uncount();
        if (owner() != null) {
            owner().sendDone(this); // first: a stage that sends again starts right away
        }
        if (res >= 0 && sent + res >= length) {
            sent += (int) res;
            settle(null);
        } else if (cancelRequested()) {
            failNow(cancelCause());
        } else {
            failNow(new NativeIoException(failedCall(), (int) -res));
        }
    }

    /** Acts on a send's result once the kernel holds nothing of the op. */
    private int onResult(long res) {
        if (res < 0 && zeroCopy && refusal(res) && !cancelRequested()) {
            zeroCopy = false;
            refused = true;
            return RESUBMIT; // the same bytes by plain SEND, no error to the user
        }
        if (res == -Errno.ECANCELED && cancelRequested()) {
            aborted();
            return FINISHED;
        }
        if (res < 0) {
            return fail(res);
        }
        sent += (int) res;
        return sent < length ? RESUBMIT : deliver(null);
    }

    /** The socket (or kernel) will not send zero-copy: EOPNOTSUPP, or EINVAL for flags it predates. */
    private static boolean refusal(long res) {
        return res == -Errno.EOPNOTSUPP || res == -Errno.EINVAL;
    }

    @Override
    protected void releaseResources() {
        if (buffer != null) {
            Buffers.releaseAfterSend(buffer);
        } else if (copyBlock >= 0) {
            context.pool().recycle(copyBlock);
        }
        uncount();
    }

    /** Takes the bytes off the connection's queued count, once. */
    private void uncount() {
        if (!uncounted) {
            uncounted = true;
            if (owner() != null) {
                owner().sendEnded(length);
            }
        }
    }

    private int remaining() {
        return length - sent;
    }

    /** The fixed-buffer index of what this send reads, if that is registered memory; else -1. */
    private int fixedIndex() {
        if (buffer != null) {
            return SendOp.fixedIndex(context, buffer);
        }
        return copyBlock >= 0 && context.fixedBuffersRegistered() ? context.pool().fixedIndexOf(copyBlock) : -1;
    }
}
