package io.jring.nio2;

import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One NIO.2 operation in flight: the {@link Future} a caller holds, or the
 * {@link CompletionHandler} to run. It ends exactly once, however many parties race to end it
 * (the kernel's result, a timeout, {@code close()}, {@code Future.cancel}): each first
 * {@link #claim() claims} it, and only the winner finishes it. Losers keep what they carry (the
 * bytes of a receive, an accepted connection) for the next operation, so a race never loses data.
 *
 * <p>Handlers always run on the group's executor, never on a jring loop thread and never on
 * the caller's stack: the group's pool is where the specification says they run, and a loop
 * thread that ran user code could stall every connection on it.
 */
final class PendingOp<V, A> implements Future<V> {
    private final JringChannelGroup group;
    private final CompletionHandler<V, ? super A> handler; // null for the Future form
    private final A attachment;
    private final CompletableFuture<V> result = new CompletableFuture<>();
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** What a successful {@link #cancel} does to the operation underneath (set once it is started). */
    private volatile Runnable onCancel = () -> { };

    PendingOp(JringChannelGroup group, CompletionHandler<V, ? super A> handler, A attachment) {
        this.group = group;
        this.handler = handler;
        this.attachment = attachment;
    }

    /** The value to return from the channel method: this future, or null for the handler form. */
    Future<V> returned() {
        return handler == null ? this : null;
    }

    void onCancel(Runnable action) {
        this.onCancel = action;
    }

    /** True for the one caller that may end the operation from now on. */
    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    /** Ends a claimed operation with its result. */
    void finish(V value) {
        result.complete(value);
        if (handler != null) {
            group.dispatch(() -> handler.completed(value, attachment));
        }
    }

    /**
     * Claims and succeeds an operation that completed at once, running its handler on this
     * thread if the group allows it ({@link JringChannelGroup#runOrDispatch}). Call it holding
     * no lock: the handler may run here.
     */
    void succeedAtOnce(V value) {
        if (!claim()) {
            return;
        }
        result.complete(value);
        if (handler != null) {
            group.runOrDispatch(() -> handler.completed(value, attachment));
        }
    }

    /** Ends a claimed operation with a failure. */
    void finishFailed(Throwable error) {
        result.completeExceptionally(error);
        if (handler != null) {
            group.dispatch(() -> handler.failed(error, attachment));
        }
    }

    /** Claims and fails; false if another party had ended it already. */
    boolean fail(Throwable error) {
        if (!claim()) {
            return false;
        }
        finishFailed(error);
        return true;
    }

    /** Claims and succeeds; false if another party had ended it already. */
    boolean succeed(V value) {
        if (!claim()) {
            return false;
        }
        finish(value);
        return true;
    }

    /**
     * Cancels the operation if it has not ended. jring never closes the channel for it (the
     * specification leaves that open): a cancelled read gives its bytes to the next read, a
     * cancelled accept its connection to the next accept; a cancelled write may have sent part
     * of its bytes, so the channel refuses further writes, as after a write timeout.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (!claim()) {
            return false;
        }
        result.cancel(false);
        onCancel.run();
        return true;
    }

    @Override
    public boolean isCancelled() {
        return result.isCancelled();
    }

    @Override
    public boolean isDone() {
        return result.isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
        return result.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        return result.get(timeout, unit);
    }
}
