package io.jring;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits: every wait in the suite has a deadline, and says what it waited for when it fails. */
final class Await {
    /** The default bound for one future: generous, since a hang is a failure, not a slowness. */
    static final Duration DEFAULT = Duration.ofSeconds(30);

    private Await() {}

    /** The future's value, or a test failure (with the real cause) if it fails or takes longer than 30 s. */
    static <T> T get(Future<T> future) {
        return get(future, DEFAULT);
    }

    static <T> T get(Future<T> future, Duration bound) {
        try {
            return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("future failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("future not done after " + bound.toMillis() + " ms: " + future);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The cause the future failed with; fails the test if it succeeds, is cancelled or does not end in time. */
    static Throwable failure(Future<?> future) {
        return failure(future, DEFAULT);
    }

    static Throwable failure(Future<?> future, Duration bound) {
        try {
            Object value = future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return fail("expected the future to fail, but it completed with " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return fail("expected the future to fail, but it was cancelled", e);
        } catch (TimeoutException e) {
            return fail("future not done after " + bound.toMillis() + " ms: " + future);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The future's failure, which must be a {@code type}. */
    static <X extends Throwable> X failure(Future<?> future, Class<X> type) {
        Throwable cause = failure(future);
        return assertInstanceOf(type, cause, () -> "unexpected failure: " + cause);
    }

    /** Polls {@code condition} every few ms until true; fails with {@code message} after {@code millis}. */
    static void until(BooleanSupplier condition, long millis, Supplier<String> message) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(message.get() + " (waited " + millis + " ms)");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
