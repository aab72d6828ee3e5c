package io.jring.op;

import io.jring.IoBuffer;
import java.util.ArrayDeque;

/**
 * A user's receive: {@code recv()} ({@link RecvOp}) or {@code recv(into)} ({@link RecvIntoOp}).
 * The connection's receiver serves both alike through this, without asking which is which.
 */
public abstract sealed class ReceiveOp<T> extends Op<T> permits RecvOp, RecvIntoOp {

    protected ReceiveOp(OpContext context, OpOwner owner, int fd, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
    }

    /**
     * Whether the runtime picks the memory ({@code recv()}), so that the connection's multishot
     * stream may serve it. A {@code recv(into)} chose its memory: it is read straight into it
     * (READ_FIXED where registered) unless a stream is already armed.
     */
    public abstract boolean runtimePicksMemory();

    @Override
    public final Kind kind() {
        return Kind.RECEIVE;
    }

    /**
     * Completes this receive with data from the first buffer of {@code inbox}, which it settles
     * (takes the buffer, or skips what it copied) before the completion runs the user's stages:
     * they may receive again or close right there. Returns false, with the inbox as it was, if
     * the user cancelled this receive meanwhile.
     */
    public abstract boolean takeFrom(ArrayDeque<IoBuffer> inbox);
}
