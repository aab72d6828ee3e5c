package io.jring.tls;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The connection's loop thread, seen from outside the runtime: every piece of TLS state is
 * touched only there, so it needs no locks. The runtime's executor always queues, so the loop
 * thread is recorded the first time a task runs on it and later calls made on it run inline.
 */
final class LoopThread {
    private final Executor executor;
    private volatile Thread thread;

    LoopThread(Executor executor) {
        this.executor = executor;
    }

    boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop: now if this is the loop thread, else queued. */
    void run(Runnable task) {
        if (isCurrent()) {
            task.run();
        } else {
            executor.execute(() -> {
                thread = Thread.currentThread();
                task.run();
            });
        }
    }

    /** Queues {@code task} on the loop even from the loop thread (to unwind a deep call chain). */
    void later(Runnable task) {
        executor.execute(() -> {
            thread = Thread.currentThread();
            task.run();
        });
    }

    /** Runs {@code task} on the loop and waits for its answer (from the loop thread: at once). */
    boolean call(BooleanSupplier task) {
        if (isCurrent()) {
            return task.getAsBoolean();
        }
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        executor.execute(() -> {
            thread = Thread.currentThread();
            try {
                answer.complete(task.getAsBoolean());
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            }
        });
        return answer.join();
    }
}
