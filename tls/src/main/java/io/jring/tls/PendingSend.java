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
    /** The plaintext left to encrypt; for a file send, the block read last. */
    ByteBuffer[] plaintext;
    private IoBuffer[] taken;
    final boolean shutdown;
    /** For a sendFile: the range still to read, block by block on this send's turn; else null. */
    final FileRange file;
    private static final int QUEUED = 0;
    private static final int STARTED = 1;
    private static final int WITHDRAWN = 2;
    /** QUEUED until its first record is written (then it cannot be withdrawn without breaking the stream). */
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
    ScheduledFuture<?> deadline;

    PendingSend(TlsFuture<Void> future, ByteBuffer[] plaintext, IoBuffer[] taken, boolean shutdown) {
        this(future, plaintext, taken, shutdown, null);
    }

    PendingSend(TlsFuture<Void> future, ByteBuffer[] plaintext, IoBuffer[] taken, boolean shutdown, FileRange file) {
        this.future = future;
        this.plaintext = plaintext;
        this.taken = taken;
        this.shutdown = shutdown;
        this.file = file;
    }

    /** A file send's next block, read on its turn: it is encrypted next, and released once written. */
    void nextBlock(IoBuffer block) {
        releaseBlock();
        plaintext = new ByteBuffer[] {block.asByteBuffer()};
        taken = new IoBuffer[] {block};
    }

    /** A file send's block is written: give it back before reading the next. */
    void releaseBlock() {
        if (taken != null) {
            for (IoBuffer b : taken) {
                b.release();
            }
            taken = null;
        }
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
