package io.jring.loop;

import io.jring.ConnectionClosedException;
import io.jring.op.Op;
import io.jring.op.OpOwner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Operations on one loop that run side by side (accepts on a listening socket, connects in
 * progress) and must all be cancelled, and confirmed, before their owner is gone.
 */
class OpSet implements OpOwner, EventLoop.Closeable {
    protected final EventLoop loop;
    private final String what;
    private final Set<Op<?>> running = new HashSet<>();
    private boolean closing;

    OpSet(EventLoop loop, String what) {
        this.loop = loop;
        this.what = what;
        loop.run(() -> loop.register(this));
    }

    /** Starts {@code op} on the loop, or fails it at once if this set is closing. */
    <T> CompletableFuture<T> submit(Op<T> op) {
        loop.run(() -> {
            if (closing || loop.isShuttingDown()) {
                EventLoop.abandon(op, what + " is closed");
            } else {
                running.add(op);
                loop.submit(op);
            }
        });
        return op;
    }

    /** Whether {@link #beginClose()} was called (loop thread). */
    boolean isClosing() {
        return closing;
    }

    @Override
    public void opFinished(Op<?> op) {
        running.remove(op);
        if (closing && running.isEmpty()) {
            drained();
        }
    }

    @Override
    public void closeForShutdown() {
        beginClose();
    }

    /** Cancels everything running; {@link #drained()} follows once the kernel confirms. */
    void beginClose() {
        if (closing) {
            return;
        }
        closing = true;
        for (Op<?> op : new ArrayList<>(running)) {
            op.cancelBecause(new ConnectionClosedException(what + " closed"));
            loop.driver().cancel(op);
        }
        if (running.isEmpty()) {
            drained();
        }
    }

    /** Nothing of this set is in the kernel any more. */
    void drained() {
        loop.unregister(this);
    }
}
