package io.jring.nio2;

import io.jring.Connection;
import io.jring.IoBuffer;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ReadPendingException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * The read side of a connected channel. jring receives into its own pooled buffers
 * ({@link Connection#recv()}); the bytes are copied into the caller's ByteBuffers, and whatever
 * does not fit is kept here for the next read, so no byte is lost, whatever the caller's buffer
 * size. A read that times out, is cancelled or loses a race with close takes no bytes: jring
 * keeps a timed-out or cancelled receive's data for the next receive, and a buffer that arrives
 * for an operation already ended is kept here. So, unlike the JDK's provider, reading may go on
 * after a read timeout (the specification allows either).
 */
final class ChannelReader {
    private final JringChannelGroup group;
    private final Connection connection;
    /** Received, not yet read: the front buffer's readable bytes come first. Guarded by this. */
    private final ArrayDeque<IoBuffer> kept = new ArrayDeque<>();
    private boolean endOfStream;      // guarded by this
    private boolean inputShutdown;    // guarded by this
    private boolean closed;           // guarded by this
    private PendingOp<?, ?> pending;  // guarded by this
    /** The pending read's destinations and receive, to serve it from bytes that came for another. */
    private ByteBuffer[] pendingDsts;
    private int pendingOffset;
    private int pendingLength;
    private boolean pendingScattering; // whether pending's result is a Long; guarded by this
    private CompletableFuture<IoBuffer> pendingReceive;

    ChannelReader(JringChannelGroup group, Connection connection) {
        this.group = group;
        this.connection = connection;
    }

    /**
     * Starts a read into {@code dsts[offset, offset + length)}; the result is the count as an
     * Integer, or as a Long for a scattering read, or -1 at end of stream.
     */
    synchronized <V, A> Future<V> read(ByteBuffer[] dsts, int offset, int length, boolean scattering,
                                        long timeoutNanos, A attachment, CompletionHandler<V, ? super A> handler) {
        if (pending != null) {
            throw new ReadPendingException();
        }
        PendingOp<V, A> op = new PendingOp<>(group, handler, attachment);
        if (closed) {
            op.fail(new ClosedChannelException());
            return op.returned();
        }
        if (Buffers.remaining(dsts, offset, length) == 0) {
            op.succeed(result(0, scattering));
            return op.returned();
        }
        if (inputShutdown || (kept.isEmpty() && endOfStream)) {
            op.succeed(result(-1, scattering));
            return op.returned();
        }
        if (!kept.isEmpty()) {
            copyKept(op, dsts, offset, length, scattering);
            return op.returned();
        }
        CompletableFuture<IoBuffer> receive;
        try {
            receive = timeoutNanos > 0 ? connection.recv(Duration.ofNanos(timeoutNanos)) : connection.recv();
        } catch (RuntimeException e) {
            op.fail(e);
            return op.returned();
        }
        pending = op;
        pendingDsts = dsts;
        pendingOffset = offset;
        pendingLength = length;
        pendingScattering = scattering;
        pendingReceive = receive;
        op.onCancel(() -> {
            synchronized (this) {
                if (pending == op) {
                    pending = null;
                }
            }
            receive.cancel(true); // jring hands what it had received to the next recv
        });
        receive.whenComplete((buffer, error) -> arrived(op, dsts, offset, length, scattering, buffer, error));
        return op.returned();
    }

    /** A receive ended (on a loop thread, or at once if it was already done). */
    private synchronized void arrived(PendingOp<?, ?> op, ByteBuffer[] dsts, int offset, int length,
                                      boolean scattering, IoBuffer buffer, Throwable error) {
        if (error == null) {
            if (buffer.isEndOfStream()) {
                endOfStream = true;
            } else if (closed || inputShutdown) {
                buffer.release();
            } else {
                kept.addLast(buffer);
            }
        }
        if (pending != op || !op.claim()) {
            // Ended by close, cancel or shutdownInput: any bytes stay kept for the next read. If
            // that read has already asked jring for more, serve it from these bytes now rather
            // than leave them waiting behind a receive that may never come.
            serveWaitingReadFromKept();
            return;
        }
        pending = null;
        if (error != null) {
            op.finishFailed(Errors.forIo(error, !closed));
        } else if (kept.isEmpty()) {
            finishEndOfStream(op, scattering); // the receive returned END_OF_STREAM
        } else {
            copyClaimed(op, dsts, offset, length, scattering);
        }
    }

    private void serveWaitingReadFromKept() {
        PendingOp<?, ?> waiting = pending;
        if (waiting == null || kept.isEmpty() || !waiting.claim()) {
            return;
        }
        pending = null;
        pendingReceive.cancel(true); // what it gets meanwhile goes to the next receive (or into kept)
        copyClaimed(waiting, pendingDsts, pendingOffset, pendingLength, pendingScattering);
    }

    private void copyKept(PendingOp<?, ?> op, ByteBuffer[] dsts, int offset, int length, boolean scattering) {
        if (op.claim()) {
            copyClaimed(op, dsts, offset, length, scattering);
        }
    }

    @SuppressWarnings("unchecked")
    private <V> void copyClaimed(PendingOp<V, ?> op, ByteBuffer[] dsts, int offset, int length, boolean scattering) {
        long copied;
        try {
            copied = drainInto(dsts, offset, length);
        } catch (RuntimeException e) {
            // e.g. a buffer whose Arena was closed: this read fails; the bytes not copied stay kept
            op.finishFailed(e);
            return;
        }
        op.finish((V) result(copied, scattering));
    }

    /** Moves kept bytes into the destinations, in order, as far as they have room. */
    private long drainInto(ByteBuffer[] dsts, int offset, int length) {
        long copied = 0;
        int index = offset;
        while (!kept.isEmpty() && index < offset + length) {
            ByteBuffer dst = dsts[index];
            if (!dst.hasRemaining()) {
                index++;
                continue;
            }
            IoBuffer front = kept.peekFirst();
            ByteBuffer source = front.asByteBuffer();
            int n = Math.min(source.remaining(), dst.remaining());
            dst.put(source.limit(source.position() + n));
            front.skip(n);
            copied += n;
            if (front.readableBytes() == 0) {
                kept.pollFirst().release();
            }
        }
        return copied;
    }

    @SuppressWarnings("unchecked")
    private static <V> V result(long count, boolean scattering) {
        Object value = scattering ? (Object) Long.valueOf(count) : (Object) Integer.valueOf((int) count);
        return (V) value;
    }

    /**
     * Reads return end of stream from now on; a pending read ends with it at once, and bytes
     * received and not read are dropped (as the kernel drops them after SHUT_RD). jring has no
     * shutdown(SHUT_RD), so the socket itself still accepts data: see the README's limits.
     */
    synchronized void shutdownInput() {
        inputShutdown = true;
        releaseKept();
        PendingOp<?, ?> op = pending;
        pending = null;
        if (op != null && op.claim()) {
            finishEndOfStream(op, pendingScattering);
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> void finishEndOfStream(PendingOp<V, ?> op, boolean scattering) {
        op.finish((V) result(-1, scattering));
    }

    /** The channel closed: a pending read fails with AsynchronousCloseException, kept bytes are freed. */
    synchronized void close() {
        closed = true;
        releaseKept();
        PendingOp<?, ?> op = pending;
        pending = null;
        if (op != null) {
            op.fail(new AsynchronousCloseException());
        }
    }

    private void releaseKept() {
        IoBuffer buffer;
        while ((buffer = kept.pollFirst()) != null) {
            buffer.release();
        }
    }
}
