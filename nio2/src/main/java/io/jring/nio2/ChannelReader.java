package io.jring.nio2;

import io.jring.Connection;
import io.jring.IoBuffer;
import java.lang.foreign.MemorySegment;
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
 *
 * <p>A read whose first buffer with room is a direct ByteBuffer (from {@code allocateDirect},
 * not a closeable Arena's: see {@link InPlace}) receives straight into it with
 * {@link Connection#recvInPlace}: the runtime holds the buffer until the kernel is done, even if
 * the caller drops it, closes the channel or the read times out meanwhile. Such a read is
 * never completed but by its own receive (or by close, cancel or shutdownInput, which leave the
 * receive to end on its own), since until then the kernel may still write into the buffer.
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
    private CompletableFuture<?> pendingReceive;
    /** Whether the pending read receives in place into its buffer (so it is never served from kept). */
    private boolean pendingInPlace;

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
        ByteBuffer inPlace = InPlace.firstWithRoom(dsts, offset, length);
        if (inPlace != null && !InPlace.pinnable(inPlace)) {
            inPlace = null;
        }
        Duration timeout = timeoutNanos > 0 ? Duration.ofNanos(timeoutNanos) : null;
        CompletableFuture<Integer> direct = null;
        CompletableFuture<IoBuffer> copied = null;
        try {
            if (inPlace != null) {
                direct = connection.recvInPlace(MemorySegment.ofBuffer(inPlace), timeout);
            } else {
                copied = timeout != null ? connection.recv(timeout) : connection.recv();
            }
        } catch (RuntimeException e) {
            op.fail(e);
            return op.returned();
        }
        CompletableFuture<?> receive = direct != null ? direct : copied;
        pending = op;
        pendingDsts = dsts;
        pendingOffset = offset;
        pendingLength = length;
        pendingScattering = scattering;
        pendingReceive = receive;
        pendingInPlace = direct != null;
        // Registered once pending is set: a receive that is already done completes right here.
        if (direct != null) {
            ByteBuffer dst = inPlace;
            direct.whenComplete((count, error) -> arrivedInPlace(op, dst, scattering, count, error));
        } else {
            copied.whenComplete((buffer, error) -> arrived(op, dsts, offset, length, scattering, buffer, error));
        }
        op.onCancel(() -> cancelled(op, receive));
        return op.returned();
    }

    /**
     * A user's cancel claimed {@code op}. jring hands what the receive had to the next receive;
     * if the receive was already delivering, its bytes reach {@code kept} (or, in place, are
     * copied out of the caller's buffer) before cancel returns, so the next read sees them
     * first, and the caller's buffer is not read after cancel returns.
     */
    private void cancelled(PendingOp<?, ?> op, CompletableFuture<?> receive) {
        if (!receive.cancel(true) && !receive.isDone()) {
            try {
                receive.join(); // completing right now on the loop thread
            } catch (RuntimeException ignored) {
                // ended by a failure (nothing to keep), or this is the loop thread (it cannot be delivering)
            }
        }
        synchronized (this) {
            if (pending == op) {
                pending = null;
            }
        }
    }

    /** An in-place receive ended (on a loop thread): the kernel is done with {@code dst}. */
    private synchronized void arrivedInPlace(PendingOp<?, ?> op, ByteBuffer dst, boolean scattering,
                                             Integer count, Throwable error) {
        if (pending != op || !op.claim()) {
            // Ended by close, cancel or shutdownInput while the bytes came: keep them for the
            // next read, in order, after any kept already (none: reads wait for kept to empty).
            if (error == null && count < 0) {
                endOfStream = true;
            } else if (error == null && count > 0 && !closed && !inputShutdown) {
                keepCopy(dst, count);
            }
            return;
        }
        pending = null;
        if (error != null) {
            op.finishFailed(Errors.forIo(error, !closed));
        } else if (count < 0) {
            endOfStream = true;
            finishEndOfStream(op, scattering);
        } else {
            dst.position(dst.position() + count);
            finishCount(op, count, scattering);
        }
    }

    /** Copies {@code count} bytes after {@code dst}'s position into pooled buffers, kept for the next read. */
    private void keepCopy(ByteBuffer dst, int count) {
        ByteBuffer bytes = dst.slice(dst.position(), count);
        try {
            while (bytes.hasRemaining()) {
                IoBuffer copy = connection.allocate();
                int n = Math.min(bytes.remaining(), copy.writableBytes());
                copy.write(bytes.slice(bytes.position(), n));
                bytes.position(bytes.position() + n);
                kept.addLast(copy);
            }
        } catch (RuntimeException e) {
            // the pool at its cap, or the runtime closed: these bytes are lost, and reads go on
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> void finishCount(PendingOp<V, ?> op, long count, boolean scattering) {
        op.finish((V) result(count, scattering));
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
        if (waiting == null || pendingInPlace || kept.isEmpty() || !waiting.claim()) {
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
            if (pendingInPlace) {
                pendingReceive.cancel(true); // the kernel may write until it confirms: the memory stays held
            }
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
