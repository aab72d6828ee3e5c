package io.jring.tls;

import io.jring.ConnectionClosedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;

/**
 * The writability signal of a {@link TlsConnection}: plaintext bytes of sends called and not yet
 * ended, judged against water marks with hysteresis, as the plain connection does for its own
 * sends. A TLS send's future ends exactly once (written, failed, timed out, withdrawn), so
 * counting from the call to that end is exact; the ciphertext the plain connection holds
 * meanwhile belongs to those same sends.
 */
final class TlsBacklog {
    static final int DEFAULT_LOW = 32 << 10;
    static final int DEFAULT_HIGH = 64 << 10;

    private final LoopThread loop;
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> waiters = new ConcurrentLinkedQueue<>();
    private long queued;
    private int low = DEFAULT_LOW;
    private int high = DEFAULT_HIGH;
    private boolean writable = true;
    private volatile boolean closed;

    TlsBacklog(LoopThread loop) {
        this.loop = loop;
    }

    /**
     * A send of {@code bytes} was called. The bytes leave the count once, just before its future
     * completes (so a caller woken by the send already sees them gone, as on a plain connection),
     * or, if the future was completed another way, when it completes.
     */
    void track(long bytes, TlsFuture<?> ended) {
        if (bytes == 0) {
            return;
        }
        synchronized (this) {
            queued += bytes;
            if (queued >= high) {
                writable = false;
            }
        }
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable untrack = () -> {
            if (once.compareAndSet(false, true)) {
                ended(bytes);
            }
        };
        ended.beforeCompletion(untrack);
        ended.whenComplete((v, e) -> untrack.run());
    }

    private void ended(long bytes) {
        boolean wake;
        synchronized (this) {
            queued -= bytes;
            wake = !writable && queued < low;
            if (wake) {
                writable = true;
            }
        }
        if (wake) {
            wakeWaiters();
        }
    }

    synchronized long queued() {
        return queued;
    }

    boolean isWritable() {
        synchronized (this) {
            return writable && !closed;
        }
    }

    void setMarks(int newLow, int newHigh) {
        if (newLow < 1 || newLow > newHigh) {
            throw new IllegalArgumentException("water marks need 1 <= low <= high, got low " + newLow + ", high " + newHigh);
        }
        boolean wake;
        synchronized (this) {
            low = newLow;
            high = newHigh;
            if (queued >= high) {
                writable = false;
            }
            wake = !writable && queued < low;
            if (wake) {
                writable = true;
            }
        }
        if (wake) {
            wakeWaiters();
        }
    }

    synchronized int low() {
        return low;
    }

    synchronized int high() {
        return high;
    }

    CompletableFuture<Void> whenWritable(Duration timeout) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new ConnectionClosedException("TLS connection closed"));
            return future;
        }
        if (isWritable()) {
            future.complete(null); // writable now: complete at once, as the plain connection does
            return future;
        }
        waiters.add(future);
        if (timeout != null) {
            var deadline = Timers.after(timeout, loop, () -> future.completeExceptionally(
                    new TimeoutException("TLS connection not writable within " + timeout)));
            future.whenComplete((v, e) -> deadline.cancel(false));
        }
        future.whenComplete((v, e) -> waiters.remove(future)); // a timed-out or cancelled waiter leaves at once
        if (isWritable() || closed) {
            wakeWaiters(); // it may have turned writable (or closed) between the check and the add
        }
        return future;
    }

    /** The connection closed: every waiter fails, and the connection stays unwritable. */
    void close() {
        closed = true;
        wakeWaiters();
    }

    private void wakeWaiters() {
        loop.run(() -> {
            for (CompletableFuture<Void> w; (w = waiters.poll()) != null; ) {
                if (closed) {
                    w.completeExceptionally(new ConnectionClosedException("TLS connection closed"));
                } else if (isWritable()) {
                    w.complete(null);
                } else {
                    waiters.add(w);
                    return;
                }
            }
        });
    }
}
