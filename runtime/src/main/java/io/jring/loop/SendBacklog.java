package io.jring.loop;

import io.jring.ConnectionClosedException;
import io.jring.op.Invariants;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection's writability, as Netty's water marks give it: the bytes of sends called and not
 * yet ended, and whether the connection is writable. It turns unwritable when the queued bytes
 * reach the high mark and writable again only once they fall below the low mark, so a sender
 * that waits for writability is not woken for every few bytes the kernel takes.
 *
 * <p>Sends are counted when they are called, on the caller's thread, so a producer on another
 * thread that checks {@link #isWritable()} right after its send sees that send; they are
 * uncounted when they end (completed, failed, timed out, cancelled or abandoned at close), on
 * the loop thread. The count and the writable flag live in one word changed by CAS, so the
 * flag always agrees with the count it was computed from: a flag kept apart could be set
 * writable by the loop just after another thread pushed the count over the high mark.
 */
final class SendBacklog {
    static final int DEFAULT_LOW = 32 * 1024;
    static final int DEFAULT_HIGH = 64 * 1024;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SendBacklog.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EventLoop loop;
    /** Queued bytes shifted left by one; the low bit is set while unwritable. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;
    /** The low mark in the high half, the high mark in the low half: both change together. */
    private volatile long marks = pack(DEFAULT_LOW, DEFAULT_HIGH);
    /** Loop thread only: futures of {@code whenWritable()} waiting for the low mark; made on first need. */
    private ArrayDeque<LoopFuture<Void>> waiters;

    SendBacklog(EventLoop loop) {
        this.loop = loop;
    }

    long queuedBytes() {
        return (long) STATE.getVolatile(this) >>> 1;
    }

    boolean isWritable() {
        return ((long) STATE.getVolatile(this) & 1) == 0;
    }

    int lowMark() {
        return (int) (marks >>> 32);
    }

    int highMark() {
        return (int) marks;
    }

    /** Sets both marks (any thread) and judges the current count by them at once. */
    void setMarks(int low, int high) {
        if (low < 1 || high < low) {
            throw new IllegalArgumentException("water marks must satisfy 1 <= low <= high, got low=" + low
                    + " high=" + high + " (writable again means fewer than low bytes queued)");
        }
        marks = pack(low, high);
        update(0);
    }

    /** A send of {@code bytes} was called (any thread). */
    void sendQueued(long bytes) {
        if (bytes > 0) {
            update(bytes);
        }
    }

    /** A send of {@code bytes} ended, however it ended (loop thread, or the caller's once the loop stopped). */
    void sendEnded(long bytes) {
        if (bytes > 0) {
            update(-bytes);
        }
    }

    private void update(long delta) {
        while (true) {
            long current = (long) STATE.getVolatile(this);
            long queued = (current >>> 1) + delta;
            if (queued < 0) {
                // A send uncounted twice: a runtime bug. Report it (tests fail on it) but keep the
                // loop serving, with the count at 0 rather than negative.
                Invariants.violated("queued send bytes fell below zero (" + queued + "): a send was uncounted twice");
                queued = 0;
            }
            boolean wasUnwritable = (current & 1) != 0;
            boolean unwritable = wasUnwritable ? queued >= lowMark() : queued >= highMark();
            if (STATE.compareAndSet(this, current, queued << 1 | (unwritable ? 1 : 0))) {
                if (wasUnwritable && !unwritable) {
                    // Later, not here: this runs inside a send's completion, and a waiter's
                    // stages may send or close, which must not re-enter that completion.
                    loop.execute(this::wakeWaiters);
                }
                return;
            }
        }
    }

    /**
     * A future that completes once fewer than the low mark's bytes are queued: at once if the
     * connection is writable now. Fails with {@link ConnectionClosedException} if the connection
     * is closed first, and with a {@link TimeoutException} once {@code timeoutNanos} (if above 0)
     * have passed. Runs the waiting part on the loop thread.
     */
    CompletableFuture<Void> whenWritable(TcpConnection connection, long timeoutNanos) {
        if (!connection.isOpen()) {
            return LoopFuture.failed(closedWhileWaiting());
        }
        if (isWritable()) {
            return LoopFuture.completed(null);
        }
        LoopFuture<Void> future = new LoopFuture<>(loop);
        LoopTimer timer = timeoutNanos > 0 ? new LoopTimer(loop, timeoutNanos, () -> future.fail(new TimeoutException(
                "whenWritable timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                        + " ms: the peer has not read enough to bring the queued send bytes below the low mark"))) : null;
        loop.run(() -> {
            if (!connection.isOpen()) {
                future.fail(closedWhileWaiting());
            } else if (isWritable()) {
                future.succeed(null); // the backlog drained between the check and now
            } else {
                if (waiters == null) {
                    waiters = new ArrayDeque<>();
                }
                waiters.add(future);
                if (timer != null) {
                    timer.start();
                }
                // However it ends (woken, timed out, cancelled by the user on any thread), it
                // leaves the queue and its timer: a producer that times out again and again
                // must not pile up waiters.
                future.whenComplete((ok, error) -> loop.run(() -> {
                    waiters.remove(future);
                    if (timer != null) {
                        timer.stop();
                    }
                }));
            }
        });
        return future;
    }

    /** Loop thread: the connection is closing; nobody waiting will see it writable. */
    void closed() {
        if (waiters != null) {
            LoopFuture<Void> waiter;
            while ((waiter = waiters.poll()) != null) {
                waiter.fail(closedWhileWaiting());
            }
        }
    }

    private void wakeWaiters() {
        // Unwritable again by now (a send called meanwhile): the next drop below low wakes them.
        while (waiters != null && isWritable() && !waiters.isEmpty()) {
            waiters.poll().succeed(null);
        }
    }

    private static ConnectionClosedException closedWhileWaiting() {
        return new ConnectionClosedException("connection is closed: it will not become writable");
    }

    private static long pack(int low, int high) {
        return (long) low << 32 | (high & 0xFFFF_FFFFL);
    }
}
