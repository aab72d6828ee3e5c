package io.jring.op;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Every future the runtime hands out: an {@link Op}, or a {@code LoopFuture} for results that
 * are not one operation (close, an accept from any loop). Two misuses are refused here:
 *
 * <ul>
 *   <li><b>Completing it from outside.</b> The runtime's state follows these futures (a
 *       connection is closed once its close future is; a recv that is done is skipped), so
 *       {@code complete}, {@code completeExceptionally}, {@code obtrude*} and
 *       {@code completeAsync} throw. The runtime completes through {@link #settle} and
 *       {@link #settleExceptionally}. {@code cancel} stays: an op's cancel also cancels the
 *       kernel operation. {@code orTimeout} and {@code completeOnTimeout} stay too, as the
 *       runtime's own timer completing this future; they do not cancel the kernel operation.
 *   <li><b>Blocking the loop that must complete it.</b> {@code join()} or {@code get()} on a
 *       future that is not done, from the loop thread that completes it, would wait forever.
 * </ul>
 *
 * Dependent stages ({@code thenApply}, {@code copy()}, ...) are ordinary CompletableFutures:
 * they belong to the user, who may complete them.
 */
public abstract class RuntimeFuture<T> extends CompletableFuture<T> {
    private static final String INSTEAD = ": only the jring runtime completes the futures it returns, and its"
            + " connections rely on that. To stop waiting, use cancel(true) (it also cancels the kernel"
            + " operation) or the Duration form of the call; to complete a stage of your own, use a"
            + " dependent stage such as thenApply(...) or copy()";

    protected RuntimeFuture() {}

    /** Whether the calling thread is the loop thread (or one of the loops) that completes this future. */
    protected abstract boolean onCompletingLoop();

    // ---- the runtime's completion path --------------------------------------------------------

    /** Completes this future with {@code value}; false if it was already done (e.g. cancelled). */
    protected final boolean settle(T value) {
        return super.complete(value);
    }

    /** Fails this future with {@code cause}; false if it was already done. */
    protected final boolean settleExceptionally(Throwable cause) {
        return super.completeExceptionally(cause);
    }

    // ---- refused: only the runtime completes ----------------------------------------------

    @Override
    public final boolean complete(T value) {
        throw refused("complete");
    }

    @Override
    public final boolean completeExceptionally(Throwable ex) {
        throw refused("completeExceptionally");
    }

    @Override
    public final void obtrudeValue(T value) {
        throw refused("obtrudeValue");
    }

    @Override
    public final void obtrudeException(Throwable ex) {
        throw refused("obtrudeException");
    }

    @Override
    public final CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        throw refused("completeAsync");
    }

    @Override
    public final CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw refused("completeAsync");
    }

    private static UnsupportedOperationException refused(String method) {
        return new UnsupportedOperationException(method + "() refused" + INSTEAD);
    }

    // ---- timeouts: the runtime's timer completes, the kernel operation goes on ---------------

    /**
     * Fails this future with a {@link TimeoutException} if it is not done after {@code timeout}.
     * This does <b>not</b> cancel the kernel operation: a send may still go out, and data a recv
     * then receives goes to the next recv. The {@code Duration} forms of jring's calls (and
     * {@code cancel}) cancel the operation itself. Returns this future.
     */
    @Override
    public final CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout);
        afterDelay(nanos, () -> settleExceptionally(new TimeoutException(
                "orTimeout: not done after " + TimeUnit.NANOSECONDS.toMillis(nanos)
                        + " ms (the kernel operation was not cancelled)")));
        return this;
    }

    /**
     * Completes this future with {@code value} if it is not done after {@code timeout}. Like
     * {@link #orTimeout}, this does <b>not</b> cancel the kernel operation. Returns this future.
     */
    @Override
    public final CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        afterDelay(unit.toNanos(timeout), () -> settle(value));
        return this;
    }

    /**
     * The JDK's own implementation calls the public complete methods, which are refused here, so
     * the timer is arranged the same way (the common pool's scheduler, cancelled once this future
     * is done) but completes through the runtime's path.
     */
    private void afterDelay(long nanos, Runnable onTimeout) {
        if (isDone()) {
            return;
        }
        ScheduledFuture<?> timer = ForkJoinPool.commonPool().schedule(() -> {
            if (!isDone()) {
                onTimeout.run();
            }
        }, nanos, TimeUnit.NANOSECONDS);
        whenComplete((value, error) -> timer.cancel(false));
    }

    // ---- dependents are the user's -------------------------------------------------------------

    /** Dependent stages (thenApply, copy, ...) are plain CompletableFutures: the user may complete those. */
    @Override
    public final <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    // ---- refused: blocking the loop that must complete it --------------------------------------

    @Override
    public final T join() {
        if (!isDone()) {
            refuseOnCompletingLoop("join()");
        }
        return super.join();
    }

    @Override
    public final T get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            refuseOnCompletingLoop("get()");
        }
        return super.get();
    }

    @Override
    public final T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!isDone()) {
            refuseOnCompletingLoop("get(timeout)");
        }
        return super.get(timeout, unit);
    }

    private void refuseOnCompletingLoop(String method) {
        if (onCompletingLoop()) {
            throw new IllegalStateException(method + " on a jring future that is not done, called on loop thread "
                    + Thread.currentThread().getName() + ", which must complete it: it would wait forever. Chain"
                    + " with thenCompose/thenAccept instead, or move blocking work off the loop with the *Async"
                    + " forms and an executor of your own");
        }
    }
}
