package io.jring.loop;

/**
 * How long to wait before each retry of something that failed for want of a resource that
 * comes back by itself: {@code first}, then twice as long each time up to {@code max}, and
 * from {@code first} again after a success. Not thread-safe; one per loop-owned socket.
 */
final class Backoff {
    private final long firstNanos;
    private final long maxNanos;
    private long nextNanos;
    private int retries;

    Backoff(long firstNanos, long maxNanos) {
        if (firstNanos <= 0 || maxNanos < firstNanos) {
            throw new IllegalArgumentException("need 0 < first <= max, got " + firstNanos + ", " + maxNanos);
        }
        this.firstNanos = firstNanos;
        this.maxNanos = maxNanos;
        this.nextNanos = firstNanos;
    }

    /** The pause before the next retry; the one after it is twice as long, up to the maximum. */
    long next() {
        long delay = nextNanos;
        nextNanos = delay > maxNanos / 2 ? maxNanos : delay * 2;
        retries++;
        return delay;
    }

    /** Whether retries were asked for since the last success. */
    boolean backingOff() {
        return retries > 0;
    }

    /** The retry succeeded: the next failure starts from the first pause again. */
    void reset() {
        nextNanos = firstNanos;
        retries = 0;
    }
}
