package io.jring.tls;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines of TLS operations (the handshake, a receive, a send). The runtime's timer heap is
 * not public API, so one shared daemon thread waits for them and hands each expiry to the
 * connection's loop, where the operation is ended; nothing TLS-related runs on this thread.
 */
final class Timers {
    private static final ScheduledThreadPoolExecutor TIMER = create();

    private Timers() {}

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("jring-tls-timer").factory());
        timer.setRemoveOnCancelPolicy(true); // operations that end in time leave no garbage behind
        return timer;
    }

    /** Runs {@code onLoop} on {@code loop} once {@code timeout} has passed, unless cancelled first. */
    static ScheduledFuture<?> after(Duration timeout, LoopThread loop, Runnable onLoop) {
        return TIMER.schedule(() -> loop.later(onLoop), Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }
}
