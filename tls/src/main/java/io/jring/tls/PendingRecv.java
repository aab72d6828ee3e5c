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
