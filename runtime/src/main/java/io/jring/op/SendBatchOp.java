package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SENDMSG;
import static io.jring.bindings.SocketLayouts.IOVEC;
import static io.jring.bindings.SocketLayouts.IOV_BASE;
import static io.jring.bindings.SocketLayouts.IOV_LEN;
import static io.jring.bindings.SocketLayouts.MSGHDR;
import static io.jring.bindings.SocketLayouts.MSG_IOV;
import static io.jring.bindings.SocketLayouts.MSG_IOVLEN;

import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.buffer.Buffers;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * Several queued sends of one connection written by one sendmsg, an iovec per send: what a
 * writev of queued buffers is to a reactor. A connection that queues sends faster than they
 * complete (an echo of a large message arrives as many 16 KiB receives) would otherwise pay a
 * syscall, or an SQE and a CQE, per block, and put a 16 KiB segment on the wire per block.
 *
 * <p>The batch is internal: nobody holds its future. Its parts are the users' {@link SendOp}s,
 * which never reach the driver themselves, and the buffers of futureless sends
 * ({@code Connection.sendAndForget}, already taken), which have no op at all: without them a
 * push-style echo of 1 MiB sent each 16 KiB buffer on its own (64 SQEs and about 9
 * io_uring_enter per message, against about 6 and 2 batched). A futureless part that ends gives
 * its buffer back and its bytes leave the queued count; one that fails tells
 * {@code onForgetfulError} (the connection) once. Every part keeps the memory it sends from
 * until the batch's last completion has passed its bytes (the kernel reads all iovecs of a
 * call), and ends exactly once, in call order:
 * <ul>
 *   <li>as soon as a completion shows all its bytes written (the rest are sent again, from where
 *       the kernel stopped, with the next submission);
 *   <li>or when the batch ends without writing them: with the send's error (a reset peer), or
 *       the batch's cancel cause (the connection closed).
 * </ul>
 * A part the user cancels while the batch is in the kernel completes its future at once, as any
 * cancel does; its bytes may still go out, and its memory stays the batch's until then.
 */
public final class SendBatchOp extends StreamSendOp {
    /** Parts per batch at most: 1 MiB of full 16 KiB blocks, and far under the kernel's IOV_MAX. */
    static final int MAX_PARTS = 64;

    /** {@link #endPart}: the part ends with the batch's cancel cause (the connection closed). */
    private static final long BY_CANCEL = Long.MIN_VALUE;

    /** Each a {@link SendOp}, or the {@link IoBuffer} of a futureless send. */
    private final Object[] parts;
    /** Bytes of each futureless part already written (unused for a SendOp part). */
    private final int[] forgetfulSent;
    private final Consumer<Throwable> onForgetfulError;
    /** A futureless part's failure was reported: the others of this batch say nothing more. */
    private boolean forgetfulErrorTold;
    private final int count;
    private final int scratchBlock;
    private final MemorySegment scratch;
    /** Index of the first part not yet ended. */
    private int first;
    /** The failed sendmsg's -errno, which every unfinished part reports as its own; 0 if none. */
    private long error;

    /** How many sends one batch takes when the pool's blocks are {@code blockSize} bytes (the iovecs live in one). */
    public static int maxParts(int blockSize) {
        return (int) Math.min(MAX_PARTS, (blockSize - MSGHDR.byteSize()) / IOVEC.byteSize());
    }

    /**
     * Whether {@code op} (a queued send: an op, or whatever else a connection's send queue holds)
     * may go out as part of a batch: a plain send with no timeout of its own, not cancelled, or
     * the buffer of a futureless send.
     */
    public static boolean joinable(Object op) {
        return op instanceof SendOp send ? send.timeoutNanos() == 0 && !send.isDone() : op instanceof IoBuffer;
    }

    /**
     * A batch of {@code parts[0..count)}, all {@link #joinable}, taken out of their connection's
     * queue. Takes a pool block for the msghdr and iovecs: throws
     * {@link io.jring.BufferPoolExhaustedException} (taking nothing) when there is none, and the
     * caller sends them one by one instead.
     */
    public SendBatchOp(OpContext context, OpOwner owner, int fd, Object[] parts, int count,
                       Consumer<Throwable> onForgetfulError) {
        super(context, owner, fd, 0);
        this.parts = parts;
        this.forgetfulSent = new int[count];
        this.onForgetfulError = onForgetfulError;
        this.count = count;
        this.scratchBlock = context.pool().acquireBlock();
        this.scratch = context.pool().block(scratchBlock);
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SENDMSG, fd, buildMessage().address(), 1, 0)
                .opFlags(Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL);
    }

    /** The msghdr and iovecs are in the scratch block; each iovec is a part's unsent bytes, which it holds. */
    @Override
    public boolean holdsMemory(long at, long size) {
        if (!Invariants.within(scratch, at, size)) {
            return false;
        }
        for (int i = first; i < count; i++) {
            boolean held = parts[i] instanceof SendOp send
                    ? send.holdsMemory(send.unsentAddress(), send.unsentBytes())
                    : Buffers.heldByOperation((IoBuffer) parts[i])
                            && Invariants.within(Buffers.memory((IoBuffer) parts[i]), unsentAddress(i), unsentBytes(i));
            if (!held) {
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
        return res > 0 && res < unsent();
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            error = res;
            return fail(res); // releaseResources ends every unfinished part with this error
        }
        long left = res;
        while (first < count) { // a part of no bytes ends when reached: resubmitting nothing would spin
            int taken = (int) Math.min(left, unsentBytes(first));
            if (parts[first] instanceof SendOp send) {
                send.sentInBatch(taken);
            } else {
                forgetfulSent[first] += taken;
            }
            left -= taken;
            if (unsentBytes(first) > 0) {
                break;
            }
            endPart(first++, 0); // its memory is the kernel's no more: release it, complete its future
        }
        return first < count ? RESUBMIT : deliver(null);
    }

    /** The batch is over: every part still unfinished ends now, with the batch's error or cancel cause. */
    @Override
    protected void releaseResources() {
        try {
            while (first < count) {
                int i = first++;
                endPart(i, unsentBytes(i) == 0 ? 0 : error == 0 ? BY_CANCEL : error);
            }
        } finally {
            context.pool().recycle(scratchBlock);
        }
    }

    /** Ends part {@code i}: sent ({@code res} 0), failed with {@code -errno}, or ({@link #BY_CANCEL}) with the batch's cancel cause. */
    private void endPart(int i, long res) {
        if (parts[i] instanceof IoBuffer buffer) {
            endForgetful(buffer, res);
            return;
        }
        SendOp part = (SendOp) parts[i];
        try {
            if (res == 0) {
                part.deliver(null);
            } else if (res == BY_CANCEL) {
                Throwable cause = cancelCause();
                part.fail(cause != null ? cause : new CancellationException("send ended before its bytes were written"));
            } else {
                part.fail(res);
            }
        } finally {
            part.finished();
        }
    }

    /**
     * A futureless part ends: its buffer goes back and its bytes leave the queued count however
     * it ended; a send error goes to the connection once per batch (it closes the connection,
     * the rest of the batch failed alike), a close's cancel tells nobody, as for a single one.
     */
    private void endForgetful(IoBuffer buffer, long res) {
        ReusableSendOp.giveBack(owner(), buffer);
        if (res != 0 && res != BY_CANCEL && !forgetfulErrorTold) {
            forgetfulErrorTold = true;
            onForgetfulError.accept(new NativeIoException("send", (int) -res));
        }
    }

    /** Bytes of every unfinished part not yet written. */
    private long unsent() {
        long sum = 0;
        for (int i = first; i < count; i++) {
            sum += unsentBytes(i);
        }
        return sum;
    }

    /** Where part {@code i}'s unsent bytes start: memory it holds until it ends. */
    private long unsentAddress(int i) {
        if (parts[i] instanceof SendOp send) {
            return send.unsentAddress();
        }
        IoBuffer buffer = (IoBuffer) parts[i];
        return Buffers.address(buffer, buffer.readerIndex() + forgetfulSent[i]);
    }

    private int unsentBytes(int i) {
        return parts[i] instanceof SendOp send ? send.unsentBytes() : ((IoBuffer) parts[i]).readableBytes() - forgetfulSent[i];
    }

    /** msghdr at the scratch block's start, an iovec per unfinished part after it. */
    private MemorySegment buildMessage() {
        MemorySegment msg = scratch.asSlice(0, MSGHDR.byteSize()).fill((byte) 0);
        long iovBase = MSGHDR.byteSize();
        int iovecs = 0;
        for (int i = first; i < count; i++) {
            long at = iovBase + iovecs * IOVEC.byteSize();
            scratch.set(ValueLayout.JAVA_LONG, at + IOV_BASE, unsentAddress(i));
            scratch.set(ValueLayout.JAVA_LONG, at + IOV_LEN, unsentBytes(i));
            iovecs++;
        }
        msg.set(ValueLayout.JAVA_LONG, MSG_IOV, scratch.address() + iovBase);
        msg.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, iovecs);
        return msg;
    }
}
