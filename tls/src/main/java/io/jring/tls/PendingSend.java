package io.jring.tls;

import io.jring.IoBuffer;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;

/**
 * A send waiting its turn, or being encrypted and written: the plaintext as ByteBuffer views,
 * and the pooled buffers it took (released when it ends, however it ends). A shutdown is a send
 * with no plaintext that closes the write side once every earlier send has gone out.
 */
final class PendingSend {
    final TlsFuture<Void> future;
    final ByteBuffer[] plaintext;
    private IoBuffer[] taken;
    final boolean shutdown;
    /** Some of its records were written: from then on it cannot be withdrawn without breaking the stream. */
    boolean started;
    ScheduledFuture<?> deadline;

    PendingSend(TlsFuture<Void> future, ByteBuffer[] plaintext, IoBuffer[] taken, boolean shutdown) {
        this.future = future;
        this.plaintext = plaintext;
        this.taken = taken;
        this.shutdown = shutdown;
    }

    boolean hasRemaining() {
        for (ByteBuffer b : plaintext) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** Gives back the buffers it took; once. */
    void releaseTaken() {
        if (taken != null) {
            for (IoBuffer b : taken) {
                try {
                    b.release();
                } catch (IllegalStateException alreadyReleased) {
                    // the caller released a buffer it had handed over; nothing more to give back
                }
            }
            taken = null;
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    void succeed() {
        releaseTaken();
        future.succeed(null);
    }

    void fail(Throwable error) {
        releaseTaken();
        future.fail(error);
    }
}
