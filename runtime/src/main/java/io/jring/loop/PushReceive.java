package io.jring.loop;

import io.jring.IoBuffer;
import io.jring.op.RuntimeFuture;
import java.util.function.Consumer;

/**
 * The future {@code Connection.onReceive} returns, and the handler it pushes to: completes at
 * end of stream, fails on an error, a close or a handler that threw; cancelling it stops the
 * push on the loop thread (what arrives meanwhile waits for the next receive).
 */
final class PushReceive extends RuntimeFuture<Void> {
    private final EventLoop loop;
    private final Receiver receiver;
    final Consumer<IoBuffer> handler;

    PushReceive(EventLoop loop, Receiver receiver, Consumer<IoBuffer> handler) {
        this.loop = loop;
        this.receiver = receiver;
        this.handler = handler;
    }

    boolean succeed() {
        return settle(null);
    }

    boolean fail(Throwable cause) {
        return settleExceptionally(cause);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            loop.run(() -> receiver.stopPush(this));
        }
        return cancelled;
    }

    @Override
    protected boolean onCompletingLoop() {
        return loop.inLoop();
    }
}
