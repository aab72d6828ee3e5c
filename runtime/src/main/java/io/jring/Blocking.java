package io.jring;

import io.jring.loop.EventLoop;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Waiting on a runtime future from blocking code: parks the calling thread in
 * {@link CompletableFuture#get()} (a virtual thread unmounts, nothing pins its carrier), turns
 * an interrupt into a cancel and an {@link InterruptedIOException}, a deadline into a
 * {@link SocketTimeoutException}, and refuses outright to park a jring loop thread.
 */
final class Blocking {
    private Blocking() {}

    /** How long closing a stream lets queued sends go out before the connection is closed regardless. */
    static final Duration CLOSE_LINGER = Duration.ofSeconds(30);

    /**
     * Closes {@code connection} the way closing a java.net.Socket does for bytes already
     * written: at once if no send is queued; otherwise after a FIN that waits its turn behind
     * the queued sends (so they go out, as the kernel sends what a closed socket had buffered),
     * for at most {@link #CLOSE_LINGER}. Does not wait.
     */
    static void closeAfterSends(Connection connection) {
        if (connection.queuedSendBytes() == 0 || !connection.isOpen()) {
            connection.close();
            return;
        }
        connection.shutdownOutput(CLOSE_LINGER).whenComplete((ignored, error) -> connection.close());
    }

    /** Throws IllegalStateException if the caller is a jring loop thread, where blocking stalls every connection on it. */
    static void refuseOnLoopThread(String call) {
        if (EventLoop.onAnyLoopThread()) {
            throw new IllegalStateException(call + " blocks the calling thread, and this is jring loop thread "
                    + Thread.currentThread().getName() + ": every connection on this loop would stall, and the"
                    + " completion it waits for may be this loop's to deliver. Run blocking stream code on a"
                    + " virtual thread (Thread.ofVirtual().start(...) or Executors.newVirtualThreadPerTaskExecutor()),"
                    + " or use the futures (recv/send/accept) on the loop");
        }
    }

    /**
     * The future's value, once it completes. {@code future} was made with the caller's deadline
     * (a Duration form), so its TimeoutException becomes a SocketTimeoutException. If the thread
     * is interrupted while parked, the future is cancelled (a runtime future cancels the kernel
     * operation too); should the value win that race, it goes to {@code lateValue} so nothing is
     * lost, and InterruptedIOException is thrown with the thread's interrupt status still set.
     */
    static <T> T await(CompletableFuture<T> future, String call, Consumer<T> lateValue) throws IOException {
        return await(future, call, 0, lateValue);
    }

    /**
     * {@link #await(CompletableFuture, String, Consumer)}, giving up at {@code deadlineNanos}
     * ({@link System#nanoTime()}; 0 for none) with a SocketTimeoutException. Giving up does not
     * cancel {@code future}: pass a {@code copy()} to wait on an operation that must go on.
     */
    static <T> T await(CompletableFuture<T> future, String call, long deadlineNanos, Consumer<T> lateValue)
            throws IOException {
        try {
            if (deadlineNanos == 0) {
                return future.get();
            }
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw asIOException(call, e);
        } catch (InterruptedException e) {
            if (!future.cancel(true) && future.isDone() && !future.isCompletedExceptionally()) {
                lateValue.accept(future.join());
            }
            Thread.currentThread().interrupt(); // get() cleared it; the caller's callers should still see it
            InterruptedIOException interrupted = new InterruptedIOException(call + " interrupted: the thread was"
                    + " interrupted while it waited, so the wait was cancelled (the thread's interrupt status stays set;"
                    + " clear it with Thread.interrupted() before using the stream again)");
            interrupted.initCause(e);
            throw interrupted;
        } catch (ExecutionException e) {
            throw asIOException(call, e.getCause());
        } catch (CancellationException e) {
            throw new InterruptedIOException(call + " cancelled: its operation was cancelled by another thread");
        }
    }

    /** The deadline for a wait of {@code timeout} from now, as {@link System#nanoTime()}; 0 for none (null). */
    static long deadline(Duration timeout) {
        if (timeout == null) {
            return 0;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        return deadline == 0 ? 1 : deadline;
    }

    /** What is left of {@code deadlineNanos} as a Duration (at least 1 ns, the futures refuse 0), or null for none. */
    static Duration remaining(long deadlineNanos) {
        if (deadlineNanos == 0) {
            return null;
        }
        return Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime()));
    }

    /** Checks a stream or accept timeout: null (none) or positive. */
    static Duration checkTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, or null for none; got " + timeout);
        }
        return timeout;
    }

    static IOException asIOException(String call, Throwable cause) {
        if (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            SocketTimeoutException timedOut = new SocketTimeoutException(call + " timed out"
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
            timedOut.initCause(cause);
            return timedOut;
        }
        if (cause instanceof IOException io) {
            return io; // the runtime's own: ConnectionClosedException, NativeIoException naming the syscall and errno
        }
        if (cause instanceof UncheckedIOException unchecked) {
            return unchecked.getCause();
        }
        if (cause instanceof CancellationException) {
            return new InterruptedIOException(call + " cancelled: its operation was cancelled by another thread");
        }
        return new IOException(call + " failed: " + cause, cause);
    }
}
