package io.jring.op;

import io.jring.bindings.Linux;

/**
 * What every send on a connected stream socket has in common, whatever it sends from (a pooled
 * block, a caller's segment, a vector, a batch, zero-copy): it is a {@link Kind#SEND} in its
 * connection's ordered send queue, waits for {@code EPOLLOUT} on epoll, and names {@code send}
 * in its errors ({@code sendv} for a vector, so the user sees which call failed).
 */
public abstract class StreamSendOp extends Op<Void> {
    /** As {@link Op}'s: the connection's fd, and a deadline in nanoseconds or 0 for none. */
    protected StreamSendOp(OpContext context, OpOwner owner, int fd, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
    }

    @Override
    public String name() {
        return "send";
    }

    @Override
    public final Kind kind() {
        return Kind.SEND;
    }

    @Override
    public final int interest() {
        return Linux.EPOLLOUT;
    }
}
