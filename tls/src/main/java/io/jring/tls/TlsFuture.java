package io.jring.tls;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A future only the TLS layer completes, like the runtime's own: {@code complete},
 * {@code completeExceptionally}, {@code obtrude*} and {@code completeAsync} throw, so a caller
 * cannot fake a result the connection never produced. {@code cancel(true)} asks the owner to
 * withdraw the operation (see {@link Cancellable}); stages chained on it are ordinary futures.
 * Waiting on it from the loop thread that must complete it throws instead of deadlocking.
 */
final class TlsFuture<T> extends CompletableFuture<T> {
    /**
     * What a cancel asks of the operation's owner, from any thread and without waiting for the
     * loop: true if the operation is withdrawn (the owner tidies up on the loop later), false
     * when it is too late.
     */
    interface Cancellable {
        boolean withdraw();
    }

    private final LoopThread loop;
    private Cancellable owner;

    TlsFuture(LoopThread loop) {
        this.loop = loop;
    }

    private volatile Runnable beforeCompletion;

    void onCancel(Cancellable owner) {
        this.owner = owner;
    }

    /**
     * Runs {@code hook} just before this future is completed by its owner or cancelled, so what
     * the caller sees once woken (the send backlog, for one) is already up to date. The hook must
     * be idempotent: two completions may race, and each runs it.
     */
    void beforeCompletion(Runnable hook) {
        this.beforeCompletion = hook;
    }

    private void runBeforeCompletion() {
        Runnable hook = beforeCompletion;
        if (hook != null && !isDone()) {
            hook.run();
        }
    }

    boolean succeed(T value) {
        runBeforeCompletion();
        return super.complete(value);
    }

    boolean fail(Throwable error) {
        runBeforeCompletion();
        return super.completeExceptionally(error);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return false;
        }
        Cancellable o = owner;
        if (o != null && !o.withdraw()) {
            return false;
        }
        runBeforeCompletion();
        return super.cancel(mayInterruptIfRunning);
    }

    @Override
    public boolean complete(T value) {
        throw refused("complete");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw refused("completeExceptionally");
    }

    @Override
    public void obtrudeValue(T value) {
        throw refused("obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw refused("obtrudeException");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw refused("completeAsync");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public T join() {
        checkNotLoop();
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotLoop();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotLoop();
        return super.get(timeout, unit);
    }

    private void checkNotLoop() {
        if (!isDone() && loop.isCurrent()) {
            throw new IllegalStateException("waiting on a TLS future from the loop thread that must complete it would"
                    + " deadlock: chain with thenCompose/thenAccept instead of join()/get()");
        }
    }

    private static UnsupportedOperationException refused(String what) {
        return new UnsupportedOperationException(what + "() is refused: only the TLS connection completes its futures;"
                + " use cancel(true) or the Duration forms");
    }
}
