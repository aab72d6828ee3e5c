package io.jring;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection's sending side as a blocking {@link OutputStream}, with
 * {@link java.net.Socket#getOutputStream()}'s semantics, for code running on virtual threads (or
 * any thread that is not a jring loop). Get one with {@link Connection#outputStream()}.
 *
 * <ul>
 *   <li>{@code write} copies the bytes into sends the connection queues, in pieces of at most
 *       64 KiB, and returns once all are queued. Before each piece it parks the calling thread
 *       while the connection is not {@link Connection#isWritable() writable}, so a peer that
 *       does not read parks the writer and the bytes held for it stay below about the high
 *       water mark plus one piece, as a full kernel send buffer blocks {@code Socket}'s write.
 *       A send that fails later (the peer reset) is reported by the next write or flush.
 *   <li>{@link #flush()} parks until every queued byte has been written to the kernel.
 *   <li>With a {@link #setTimeout timeout}, a write or flush that waits longer throws
 *       {@link java.net.SocketTimeoutException}, whose {@code bytesTransferred} counts the bytes
 *       of that write that were queued (they still go out, in order); the rest were not, so the
 *       stream stays consistent and usable.
 *   <li>Interrupting the parked thread stops the wait and throws {@link InterruptedIOException},
 *       with {@code bytesTransferred} as for a timeout and the same consistent stream; the
 *       thread's interrupt status stays set. No send is ever cancelled half-way.
 *   <li>{@link #close()} closes the connection once the queued bytes have gone out (at most 30
 *       seconds; without waiting for them: {@link #flush()} first to know they did), and wakes a
 *       thread parked in write. {@link Connection#shutdownOutput()} half-closes instead.
 * </ul>
 *
 * Writes are serialized: the bytes of concurrent writes never interleave. On a jring loop thread
 * every blocking call throws {@link IllegalStateException}.
 */
public final class ConnectionOutputStream extends OutputStream {
    /** Bytes per send: small enough to keep what a stalled peer makes us hold bounded, large enough to batch. */
    static final int PIECE = 64 * 1024;

    private final Connection connection;
    /** Not synchronized: a virtual thread parked while holding a monitor could pin its carrier. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile Duration timeout;
    private volatile boolean closed;
    /** The writability wait a writer is parked on, so close() can wake it. */
    private volatile CompletableFuture<Void> pending;
    /** The last send queued: sends end in call order, so once it has ended all have. */
    private volatile CompletableFuture<Void> lastSend = CompletableFuture.completedFuture(null);
    /** The first send failure, reported by the next write or flush. */
    private final AtomicReference<Throwable> sendFailure = new AtomicReference<>();

    ConnectionOutputStream(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    /**
     * Sets how long a write may wait for the connection to turn writable, and a flush for the
     * queued bytes to go out; null (the default) waits as long as it takes.
     *
     * @param timeout positive, or null for none
     * @return this stream
     * @throws IllegalArgumentException a zero or negative timeout
     */
    public ConnectionOutputStream setTimeout(Duration timeout) {
        this.timeout = Blocking.checkTimeout(timeout);
        return this;
    }

    /**
     * The write timeout.
     *
     * @return the timeout, or null for none
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Blocking.refuseOnLoopThread("ConnectionOutputStream.write");
        lock();
        try {
            long deadline = Blocking.deadline(timeout);
            int queued = 0;
            do {
                ensureUsable(); // each piece: a close or a failed send from another thread stops the rest
                if (length == 0) {
                    return;
                }
                awaitWritable(deadline, queued);
                ensureUsable(); // closed while it waited
                int piece = Math.min(PIECE, length - queued);
                CompletableFuture<Void> sent = connection.send(MemorySegment.ofArray(bytes).asSlice(offset + queued, piece));
                sent.whenComplete((ignored, error) -> {
                    if (error != null) {
                        sendFailure.compareAndSet(null, error);
                    }
                });
                lastSend = sent;
                queued += piece;
            } while (queued < length);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Parks until every byte written so far has been written to the kernel (it may still be in
     * the kernel's send buffer, as after {@code Socket}'s write), and reports a send that failed.
     */
    @Override
    public void flush() throws IOException {
        Blocking.refuseOnLoopThread("ConnectionOutputStream.flush");
        if (closed) {
            throw new SocketException("output stream closed: flush after close() of this stream");
        }
        // A copy: giving up on the wait (timeout, interrupt) must never cancel the send itself.
        Blocking.await(lastSend.copy(), "ConnectionOutputStream.flush", Blocking.deadline(timeout), ignored -> {});
        reportSendFailure();
    }

    /**
     * Closes the connection once the queued bytes have gone out (for at most 30 seconds; this
     * does not wait: {@link #flush()} first to know they did), and wakes a thread parked in
     * write with a {@link SocketException}. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> waiting = pending;
        if (waiting != null) {
            waiting.cancel(true);
        }
        Blocking.closeAfterSends(connection);
    }

    /** Parks while the connection is unwritable; the caller holds the lock. */
    private void awaitWritable(long deadline, int queued) throws IOException {
        if (connection.isWritable()) {
            return;
        }
        Duration left = Blocking.remaining(deadline);
        CompletableFuture<Void> writable = left == null ? connection.whenWritable() : connection.whenWritable(left);
        pending = writable;
        try {
            if (closed) {
                writable.cancel(true);
            }
            Blocking.await(writable, "ConnectionOutputStream.write", ignored -> {});
        } catch (InterruptedIOException e) {
            // A timeout (SocketTimeoutException) or an interrupt: say how much of this write was queued.
            if (closed && !(e instanceof SocketTimeoutException) && !Thread.currentThread().isInterrupted()) {
                SocketException closedNow = new SocketException("output stream closed by another thread while this one wrote");
                closedNow.initCause(e);
                throw closedNow;
            }
            e.bytesTransferred = queued;
            throw e;
        } finally {
            pending = null;
        }
    }

    private void ensureUsable() throws IOException {
        if (closed) {
            throw new SocketException("output stream closed: write after close() of this stream");
        }
        reportSendFailure();
    }

    private void reportSendFailure() throws IOException {
        Throwable failure = sendFailure.get();
        if (failure != null) {
            throw Blocking.asIOException("ConnectionOutputStream: an earlier send", failure);
        }
    }

    private void lock() throws InterruptedIOException {
        try {
            writeLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("ConnectionOutputStream.write interrupted while another thread was writing");
        }
    }
}
