package io.jring.loop;

import io.jring.jfr.JringEvents;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The blocked-loop detector: one daemon thread per runtime that looks at every loop a few
 * times per threshold. A loop whose iteration count has not moved for longer than the
 * threshold, while its thread is not waiting in the kernel for work, is held by a callback (a
 * user's stage blocking or computing on the loop thread): that is logged once as a WARNING with
 * the loop thread's stack (and recorded as a {@code jring.BlockedLoop} JFR event), and again at
 * INFO when the loop moves on.
 *
 * <p>The loop's only cost is one opaque store per iteration ({@link EventLoop#progress()});
 * everything else happens here, and the kernel state is read only for loops that did not move.
 */
public final class LoopWatchdog {
    private static final System.Logger LOG = System.getLogger("io.jring");
    private static final int STACK_FRAMES = 64;

    private final List<EventLoop> loops;
    private final long thresholdNanos;
    private final long periodNanos;
    private final Thread thread;
    private volatile boolean stopped;
    // Watchdog thread only, one slot per loop:
    private final long[] lastProgress;
    /** When the current stall may have begun: the last move, or the last time the loop was seen waiting. */
    private final long[] since;
    private final boolean[] reported;

    private LoopWatchdog(List<EventLoop> loops, long thresholdNanos) {
        this.loops = loops;
        this.thresholdNanos = thresholdNanos;
        // A few looks per threshold: a stall is reported within about 1.25 thresholds.
        this.periodNanos = Math.clamp(thresholdNanos / 4, TimeUnit.MILLISECONDS.toNanos(5), TimeUnit.MILLISECONDS.toNanos(250));
        this.lastProgress = new long[loops.size()];
        this.since = new long[loops.size()];
        this.reported = new boolean[loops.size()];
        this.thread = new Thread(this::run, "jring-watchdog");
        this.thread.setDaemon(true);
    }

    /** Starts watching {@code loops}, or returns null when {@code threshold} is zero (detector off). */
    public static LoopWatchdog start(List<EventLoop> loops, Duration threshold) {
        if (threshold.isZero()) {
            return null;
        }
        LoopWatchdog watchdog = new LoopWatchdog(loops, threshold.toNanos());
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            watchdog.lastProgress[i] = loops.get(i).progress();
            watchdog.since[i] = now;
        }
        watchdog.thread.start();
        return watchdog;
    }

    /** Stops the thread (without waiting for it). */
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!stopped) {
            LockSupport.parkNanos(this, periodNanos);
            for (int i = 0; i < loops.size() && !stopped; i++) {
                look(i, loops.get(i));
            }
        }
    }

    private void look(int i, EventLoop loop) {
        long now = System.nanoTime();
        long progress = loop.progress();
        if (progress != lastProgress[i]) {
            lastProgress[i] = progress;
            letGo(i, loop, now);
            return;
        }
        if (!heldByCallback(loop)) {
            // Waiting for work. A stall can only begin after this look; and one reported has
            // ended (a driver may wait again in the same iteration that ran the callback).
            letGo(i, loop, now);
            return;
        }
        if (!reported[i] && now - since[i] >= thresholdNanos) {
            reported[i] = true;
            StackTraceElement[] frames = loop.thread().getStackTrace();
            // The event first: whoever reads the log line may stop the recording at once.
            JringEvents.blockedLoop(loop.thread().getName(), now - since[i], thresholdNanos, JringEvents.frames(frames));
            LOG.log(System.Logger.Level.WARNING, "loop thread " + loop.thread().getName() + " has been held for "
                    + millis(now - since[i]) + " ms by a callback (threshold " + millis(thresholdNanos)
                    + " ms; every connection of this loop waits meanwhile). Stages that run on a loop thread"
                    + " must not block: move slow work off with thenAcceptAsync(work, yourExecutor). It is at:"
                    + stack(frames));
        }
    }

    /** The loop moved on or waits for work: a reported stall is over, and a new one starts counting now. */
    private void letGo(int i, EventLoop loop, long now) {
        if (reported[i]) {
            reported[i] = false;
            LOG.log(System.Logger.Level.INFO, "loop thread " + loop.thread().getName()
                    + " is running again; a callback held it for about " + millis(now - since[i]) + " ms");
        }
        since[i] = now;
    }

    /**
     * True unless the loop thread waits in the kernel for work. Where /proc cannot say, only a
     * thread parked in Java (sleep, lock, join) counts: the loop itself never parks there.
     */
    private static boolean heldByCallback(EventLoop loop) {
        return switch (KernelWait.state(loop.kernelThreadId())) {
            case KernelWait.WAITING -> false;
            case KernelWait.BUSY -> true;
            default -> loop.thread().getState() != Thread.State.RUNNABLE && loop.thread().isAlive();
        };
    }

    private static String stack(StackTraceElement[] frames) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(frames.length, STACK_FRAMES); i++) {
            text.append("\n\tat ").append(frames[i]);
        }
        if (frames.length > STACK_FRAMES) {
            text.append("\n\t... ").append(frames.length - STACK_FRAMES).append(" more");
        }
        return text.toString();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
