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
    private static final int QUEUED = 0;
    private static final int STARTED = 1;
    private static final int WITHDRAWN = 2;
    /** QUEUED until its first record is written (then it cannot be withdrawn without breaking the stream). */
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
    ScheduledFuture<?> deadline;

    PendingSend(TlsFuture<Void> future, ByteBuffer[] plaintext, IoBuffer[] taken, boolean shutdown) {
        this.future = future;
        this.plaintext = plaintext;
        this.taken = taken;
        this.shutdown = shutdown;
    }

    /** From a cancel, on any thread: true if the send had not started and now never will. */
    boolean withdraw() {
        return state.compareAndSet(QUEUED, WITHDRAWN);
    }

    /** On the loop, before its first record is written: false if a cancel withdrew it first. */
    boolean start() {
        return state.get() == STARTED || state.compareAndSet(QUEUED, STARTED);
    }

    boolean started() {
        return state.get() == STARTED;
    }

    boolean withdrawn() {
        return state.get() == WITHDRAWN;
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
