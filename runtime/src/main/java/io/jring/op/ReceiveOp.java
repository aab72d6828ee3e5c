package io.jring.op;

import io.jring.IoBuffer;

/**
 * A user's receive: {@code recv()} ({@link RecvOp}) or {@code recv(into)} ({@link RecvIntoOp}).
 * The connection's receiver serves both alike through this, without asking which is which.
 */
public abstract sealed class ReceiveOp<T> extends Op<T> permits RecvOp, RecvIntoOp, RecvSegmentOp {

    protected ReceiveOp(OpContext context, OpOwner owner, int fd, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
    }

    /**
     * Whether the runtime picks the memory ({@code recv()}), so that the connection's multishot
     * stream may serve it. A {@code recv(into)} chose its memory: it is read straight into it
     * (with RECV) unless a stream is already armed.
     */
    public abstract boolean runtimePicksMemory();

    @Override
    public final Kind kind() {
        return Kind.RECEIVE;
    }

    /** {@link #takeFrom}: the user had cancelled this receive; {@code buffer} is untouched. */
    public static final int NOT_TAKEN = 0;
    /** {@link #takeFrom}: this receive completed with {@code buffer} itself, which the user now owns. */
    public static final int TOOK_BUFFER = 1;
    /** {@link #takeFrom}: this receive completed with a copy; {@code buffer}'s reader index moved past it. */
    public static final int COPIED = 2;

    /**
     * Completes this receive with data from {@code buffer}, a buffer of the connection's inbox
     * that the caller took out of the inbox first: the completion runs user stages, which may
     * receive again or close right there, even when it fails (CompletableFuture runs the stages
     * of a cancel another thread just made). The caller settles the inbox by the outcome.
     */
    public abstract int takeFrom(IoBuffer buffer);
}
