package io.jring.tls;

import java.util.concurrent.Executor;

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
}
