package io.jring;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection's received bytes as a blocking {@link InputStream}, with
 * {@link java.net.Socket#getInputStream()}'s semantics, for code running on virtual threads (or
 * any thread that is not a jring loop). Get one with {@link Connection#inputStream()}.
 *
 * <ul>
 *   <li>{@code read} parks the calling thread until bytes have arrived (it returns what one
 *       receive brought, possibly fewer than asked) or the peer has shut down its output
 *       ({@code -1}, and again on every later read). A virtual thread unmounts meanwhile.
 *   <li>With a {@link #setTimeout timeout}, a read that waits longer throws
 *       {@link java.net.SocketTimeoutException}; nothing was consumed and the stream stays
 *       usable, as with {@link java.net.Socket#setSoTimeout}.
 *   <li>Interrupting the thread parked in {@code read} cancels the receive and throws
 *       {@link InterruptedIOException}; no byte is lost (what the receive brought, if it won the
 *       race, is returned by the next read), the stream stays usable, and the thread's interrupt
 *       status stays set (clear it with {@link Thread#interrupted()} before reading again).
 *   <li>{@link #close()} closes the connection, once its queued sends have gone out (at most 30 seconds), and
 *       wakes a thread parked in {@code read} with an exception.
 * </ul>
 *
 * The unread rest of a received buffer is kept for the next read, and the buffer goes back to
 * the pool once consumed or when the stream is closed. Reads are serialized: concurrent readers
 * take turns. On a jring loop thread every blocking call throws {@link IllegalStateException}.
 */
public final class ConnectionInputStream extends InputStream {
    private final Connection connection;
    /** Not synchronized: a virtual thread parked while holding a monitor could pin its carrier. */
    private final ReentrantLock readLock = new ReentrantLock();
    private volatile Duration timeout;
    private volatile boolean closed;
    /** The receive a reader is parked on, so close() can wake it. */
    private volatile CompletableFuture<IoBuffer> pending;
    // Guarded by readLock:
    /** What the last receive brought and no read has returned yet; null when none. */
    private IoBuffer leftover;
    private boolean endOfStream;

    ConnectionInputStream(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    /**
     * Sets how long each read may wait for data; null (the default) waits as long as it takes.
     *
     * @param timeout positive, or null for none
     * @return this stream
     * @throws IllegalArgumentException a zero or negative timeout
     */
    public ConnectionInputStream setTimeout(Duration timeout) {
        this.timeout = Blocking.checkTimeout(timeout);
        return this;
    }

    /**
     * The read timeout.
     *
     * @return the timeout, or null for none
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Blocking.refuseOnLoopThread("ConnectionInputStream.read");
        lock();
        try {
            ensureOpen();
            if (length == 0) {
                return 0;
            }
            while (leftover == null) {
                if (endOfStream) {
                    return -1;
                }
                keep(receive());
            }
            int n = Math.min(length, leftover.readableBytes());
            MemorySegment.copy(leftover.readableSegment(), ValueLayout.JAVA_BYTE, 0, bytes, offset, n);
            leftover.skip(n);
            if (leftover.readableBytes() == 0) {
                leftover.release();
                leftover = null;
            }
            return n;
        } finally {
            unlockAndReleaseIfClosed();
        }
    }

    /**
     * The bytes this stream has received and not returned yet: a read of that many returns at
     * once. Like {@link java.net.Socket}'s, it may be 0 although more data has arrived (bytes
     * still in the kernel or in the connection's receive buffers are not counted). 0 at end of
     * stream, and while another thread is parked in read.
     */
    @Override
    public int available() throws IOException {
        ensureOpen();
        if (!readLock.tryLock()) {
            return 0;
        }
        try {
            return leftover == null ? 0 : leftover.readableBytes();
        } finally {
            unlockAndReleaseIfClosed();
        }
    }

    /**
     * Closes the connection (queued sends go out first, for at most 30 seconds), wakes a thread parked in read with a {@link SocketException}, and returns the unread
     * rest of the last received buffer to the pool. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<IoBuffer> receiving = pending;
        if (receiving != null) {
            receiving.cancel(true); // data it would have brought goes to the connection's next receive, and is freed at close
        }
        Blocking.closeAfterSends(connection);
        if (readLock.tryLock()) {
            unlockAndReleaseIfClosed();
        } // else: the reader releases the leftover as it leaves (unlockAndReleaseIfClosed)
    }

    /** One receive, parked on; the caller holds the lock. */
    private IoBuffer receive() throws IOException {
        Duration limit = timeout;
        CompletableFuture<IoBuffer> receiving = limit == null ? connection.recv() : connection.recv(limit);
        pending = receiving;
        try {
            if (closed) { // close() ran before pending was set: it could not cancel this receive
                receiving.cancel(true);
            }
            return Blocking.await(receiving, "ConnectionInputStream.read", this::keep);
        } catch (InterruptedIOException e) {
            if (closed && !Thread.currentThread().isInterrupted()) {
                throw closedWhileReading(e);
            }
            throw e;
        } catch (ConnectionClosedException e) {
            throw closed ? closedWhileReading(e) : e;
        } finally {
            pending = null;
        }
    }

    /** Keeps what a receive brought (also one that won the race against an interrupt); the caller holds the lock. */
    private void keep(IoBuffer received) {
        if (received.isEndOfStream()) {
            endOfStream = true;
        } else if (received.readableBytes() == 0) {
            received.release();
        } else {
            leftover = received;
        }
    }

    private void ensureOpen() throws SocketException {
        if (closed) {
            throw new SocketException("input stream closed: read after close() of this stream");
        }
    }

    private static SocketException closedWhileReading(Exception cause) {
        SocketException closed = new SocketException("input stream closed by another thread while this one read");
        closed.initCause(cause);
        return closed;
    }

    private void lock() throws InterruptedIOException {
        try {
            readLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("ConnectionInputStream.read interrupted while another thread was reading");
        }
    }

    /**
     * Unlocks, then frees the leftover if the stream is closed. Checked after unlocking: a
     * close() whose tryLock failed because this thread still held the lock wrote closed before
     * that tryLock, so this check sees it and one of the two frees the buffer.
     */
    private void unlockAndReleaseIfClosed() {
        readLock.unlock();
        if (closed && readLock.tryLock()) {
            try {
                if (leftover != null) {
                    leftover.release();
                    leftover = null;
                }
            } finally {
                readLock.unlock();
            }
        }
    }
}
