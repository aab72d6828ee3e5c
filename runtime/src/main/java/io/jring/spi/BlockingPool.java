package io.jring.spi;

import io.jring.op.Op;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loop's door to the threads that run blocking file calls: what epoll cannot wait for
 * (a regular file is always "ready", and its read may still wait for the disk), and on
 * io_uring whatever file opcode the ring lacks. As in libuv, a few threads are shared by the
 * whole process: {@link #THREADS} (4 by default, {@code -Djring.blockingThreads=N}), started
 * on first use and gone after a minute idle. Each loop hands them at most {@link #PER_LOOP}
 * ops at once and keeps the rest in its own queue, so the pool's queue holds at most
 * loops × {@code PER_LOOP} entries, and a loop flooding it cannot starve the others.
 *
 * <p>Results go back to the loop through a concurrent queue and the driver's wakeup; the
 * driver takes them with {@link #poll()} on its thread and runs the op's {@code complete}
 * there, so every op still completes on its loop. An op's syscall cannot be interrupted once
 * a thread runs it: a cancel, a deadline or a close fails its future at once ({@link
 * Op#failWhileRunning}), and what the op holds stays lent until the call returns.
 */
public final class BlockingPool {
    /** Threads in the process-wide pool. */
    public static final int THREADS = Math.max(1, Integer.getInteger("jring.blockingThreads", 4));
    /** Ops one loop has on the pool's threads or in its queue at once. */
    public static final int PER_LOOP = 32;

    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
    private static final ThreadPoolExecutor SHARED = newShared();

    private static ThreadPoolExecutor newShared() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "jring-blocking-" + THREAD_NUMBER.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** What a pool thread brought back: the syscall's result, or what {@code attempt} threw. */
    public record Result(Op<?> op, long res, Throwable thrown) {}

    /** {@link #cancel}: the op is not on the pool. */
    public static final int NOT_HERE = 0;
    /** {@link #cancel}: the op had not started; it is out of the pool and the driver ends it now. */
    public static final int REMOVED = 1;
    /** {@link #cancel}: a thread runs it; its future has failed, it ends when its result comes. */
    public static final int RUNNING = 2;

    private final Runnable wakeup;
    private final ArrayDeque<Op<?>> waiting = new ArrayDeque<>();
    private final Set<Op<?>> started = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();

    /** {@code wakeup} interrupts the loop's wait from a pool thread (the driver's {@code wakeup}). */
    public BlockingPool(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    /** Runs {@code op.attempt()} off the loop (loop thread). */
    public void start(Op<?> op) {
        if (started.size() >= PER_LOOP) {
            waiting.add(op);
            return;
        }
        started.add(op);
        SHARED.execute(() -> {
            Result result;
            try {
                result = new Result(op, op.attempt(), null);
            } catch (RuntimeException | Error e) {
                result = new Result(op, 0, e);
            }
            results.add(result);
            wakeup.run();
        });
    }

    /** The user, a deadline or a close cancels {@code op} (loop thread); see {@link #REMOVED}, {@link #RUNNING}. */
    public int cancel(Op<?> op) {
        if (waiting.removeFirstOccurrence(op)) {
            return REMOVED;
        }
        if (!started.contains(op)) {
            return NOT_HERE;
        }
        Throwable cause = op.cancelCause();
        if (cause != null) {
            op.failWhileRunning(cause);
        }
        return RUNNING;
    }

    /** Whether results wait to be taken (the driver must not block in the kernel then). */
    public boolean hasResults() {
        return !results.isEmpty();
    }

    /** The next result, or null (loop thread); frees its place for an op that waits. */
    public Result poll() {
        Result result = results.poll();
        if (result != null) {
            started.remove(result.op());
            Op<?> next = waiting.poll();
            if (next != null) {
                start(next);
            }
        }
        return result;
    }

    /** Ops on the pool or waiting for it. */
    public int size() {
        return started.size() + waiting.size();
    }
}
