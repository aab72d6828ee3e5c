package io.jring.tls;

import io.jring.IoBuffer;
import java.util.concurrent.ScheduledFuture;

/**
 * A receive waiting for plaintext: {@code into} is null for {@code recv()} (a pooled buffer is
 * handed out) and the caller's buffer for {@code recv(into)}. The future is typed by which.
 */
final class PendingRecv {
    final TlsFuture<IoBuffer> pooled;
    final TlsFuture<Integer> counted;
    final IoBuffer into;
    ScheduledFuture<?> deadline;
    /** 0 waiting, 1 claimed by the loop to copy into {@code into}, 2 withdrawn by a cancel. */
    private final java.util.concurrent.atomic.AtomicInteger claim = new java.util.concurrent.atomic.AtomicInteger();

    private PendingRecv(TlsFuture<IoBuffer> pooled, TlsFuture<Integer> counted, IoBuffer into) {
        this.pooled = pooled;
        this.counted = counted;
        this.into = into;
    }

    static PendingRecv pooled(TlsFuture<IoBuffer> future) {
        return new PendingRecv(future, null, null);
    }

    static PendingRecv into(IoBuffer into, TlsFuture<Integer> future) {
        return new PendingRecv(null, future, into);
    }

    /**
     * From a cancel, on any thread: true if the loop has not begun to fill {@code into}. Once it
     * has, the cancel is too late (as the runtime's is once the kernel wrote), so a caller who
     * cancelled and then releases {@code into} never races a copy into it.
     */
    boolean withdraw() {
        return claim.compareAndSet(0, 2);
    }

    /** On the loop, before touching {@code into}: false if a cancel withdrew the receive first. */
    boolean claim() {
        return claim.compareAndSet(0, 1);
    }

    TlsFuture<?> future() {
        return pooled != null ? pooled : counted;
    }

    boolean fail(Throwable error) {
        stopDeadline();
        return future().fail(error);
    }

    void stopDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
