package io.jring.nio2;

import io.jring.Connection;
import io.jring.IoBuffer;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.WritePendingException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;

/**
 * The write side of a connected channel. A write copies up to {@link #MAX_WRITE} bytes of the
 * caller's buffers into jring's pooled buffers at once (so heap buffers, direct buffers and
 * buffers of a closeable Arena are all safe: the kernel only ever sees memory the runtime
 * owns) and sends them in one send or sendv; a larger write is a partial write, as the
 * specification allows. The caller's positions advance by exactly the count written.
 *
 * <p>While the connection's queued bytes stay within its high water mark (64 KiB unless set),
 * a copied write completes at once, as the JDK's completes when the socket takes the bytes at
 * once: the bytes are jring's and go out in order, a send that fails later fails the next
 * write, and {@link #close()} lets them go out before the connection closes. Beyond the mark a
 * write completes when its send does, so a peer that does not read holds at most about the
 * mark plus one write. This saves a loop-to-executor hand-off per write, and its handler may
 * run on the writing thread ({@link JringChannelGroup#runOrDispatch}).
 *
 * <p>A direct ByteBuffer (from {@code allocateDirect}, not a closeable Arena's: see
 * {@link InPlace}) is sent in place instead, with {@link Connection#sendInPlace}: the runtime
 * holds it until the kernel is done, and may send more than {@link #MAX_WRITE}. A gathering
 * write whose bytes are in several buffers is copied, direct ones too, into one sendmsg: so it
 * is written whole when the socket has room, as on the JDK, rather than cut at each buffer.
 *
 * <p>A write that times out or is cancelled may have sent some of its bytes, so further writes
 * throw IllegalStateException, as the specification requires when that cannot be ruled out.
 */
final class ChannelWriter {
    /** Bytes one write takes at most: large enough for throughput, small enough to bound the copy. */
    static final int MAX_WRITE = 256 * 1024;

    private final JringChannelGroup group;
    private final Connection connection;
    private PendingOp<?, ?> pending;  // guarded by this
    private boolean broken;           // a write timed out or was cancelled; guarded by this
    private boolean outputShutdown;   // guarded by this
    private boolean closed;           // guarded by this
    /** Sends of writes that completed at once, not yet ended. Guarded by this. */
    private int sendsInFlight;
    /** How such a send failed (EPIPE, ECONNRESET): later writes fail with it. Guarded by this. */
    private Throwable failedSend;
    /** Completes when {@link #sendsInFlight} reaches 0 after close. Guarded by this. */
    private CompletableFuture<Void> drained;

    ChannelWriter(JringChannelGroup group, Connection connection) {
        this.group = group;
        this.connection = connection;
    }

    <V, A> Future<V> write(ByteBuffer[] srcs, int offset, int length, boolean gathering,
                           long timeoutNanos, A attachment, CompletionHandler<V, ? super A> handler) {
        PendingOp<V, A> op = new PendingOp<>(group, handler, attachment);
        long queuedAtOnce = start(op, srcs, offset, length, gathering, timeoutNanos);
        if (queuedAtOnce >= 0) {
            // Outside the lock: the handler may run right here, on a pooled thread of the group.
            op.succeedAtOnce(result(queuedAtOnce, gathering));
        }
        return op.returned();
    }

    /**
     * Starts a write; returns the count if it completed at once (its bytes copied and queued
     * within the connection's write bound), else -1 (it ends when jring's send does).
     */
    private synchronized long start(PendingOp<?, ?> op, ByteBuffer[] srcs, int offset, int length, boolean gathering,
                                    long timeoutNanos) {
        if (broken) {
            throw new IllegalStateException("Writing not allowed due to timeout or cancellation");
        }
        if (pending != null) {
            throw new WritePendingException();
        }
        if (closed || outputShutdown) {
            op.fail(new ClosedChannelException());
            return -1;
        }
        if (failedSend != null) {
            op.fail(failedSend); // a send that completed at once failed later: the connection is dead
            return -1;
        }
        long total = Buffers.remaining(srcs, offset, length);
        if (total == 0) {
            return 0;
        }
        ByteBuffer first = InPlace.firstWithRoom(srcs, offset, length);
        boolean inPlace = first.remaining() == total && InPlace.pinnable(first);
        int count = inPlace ? first.remaining() : (int) Math.min(total, MAX_WRITE);
        // A copy may complete at once while what is queued stays within the high water mark:
        // the bytes are jring's now, sent in order, and close() waits for them.
        boolean atOnce = !inPlace && connection.queuedSendBytes() + count <= connection.writeBufferHighWaterMark();
        CompletableFuture<Void> send;
        try {
            send = inPlace ? connection.sendInPlace(MemorySegment.ofBuffer(first), null)
                    : send(copyOf(srcs, offset, length, count));
        } catch (RuntimeException e) { // the pool at its memory cap, or a buffer whose Arena closed
            op.fail(e);
            return -1;
        }
        if (atOnce) {
            sendsInFlight++;
            send.whenComplete((ignored, error) -> queuedSent(error));
            advance(srcs, offset, length, count);
            return count;
        }
        pending = op;
        ScheduledFuture<?> timer = timeoutNanos <= 0 ? null
                : group.schedule(() -> timedOut(op, send), timeoutNanos);
        op.onCancel(() -> {
            synchronized (this) {
                if (pending == op) {
                    pending = null;
                }
                broken = true;
            }
            send.cancel(true);
        });
        send.whenComplete((ignored, error) -> sent(op, srcs, offset, length, gathering, count, error, timer));
        return -1;
    }

    /** A send whose write completed at once has ended (on a loop thread). */
    private synchronized void queuedSent(Throwable error) {
        sendsInFlight--;
        if (error != null && failedSend == null && !closed) {
            failedSend = Errors.forIo(error, true);
        }
        if (sendsInFlight == 0 && drained != null) {
            drained.complete(null);
        }
    }

    private CompletableFuture<Void> send(List<IoBuffer> buffers) {
        return buffers.size() == 1 ? connection.send(buffers.get(0))
                : connection.sendv(buffers.toArray(IoBuffer[]::new));
    }

    /** Copies the next {@code count} bytes of the sources into pooled buffers; the sources do not move. */
    private List<IoBuffer> copyOf(ByteBuffer[] srcs, int offset, int length, int count) {
        List<IoBuffer> buffers = new ArrayList<>();
        try {
            int left = count;
            IoBuffer current = null;
            for (int i = offset; i < offset + length && left > 0; i++) {
                ByteBuffer source = srcs[i].duplicate();
                while (source.hasRemaining() && left > 0) {
                    if (current == null || current.writableBytes() == 0) {
                        current = connection.allocate();
                        buffers.add(current);
                    }
                    int n = Math.min(Math.min(source.remaining(), current.writableBytes()), left);
                    current.write(source.slice(source.position(), n));
                    source.position(source.position() + n);
                    left -= n;
                }
            }
            return buffers;
        } catch (RuntimeException e) {
            buffers.forEach(IoBuffer::release);
            throw e;
        }
    }

    private synchronized void sent(PendingOp<?, ?> op, ByteBuffer[] srcs, int offset, int length, boolean gathering,
                                   int count, Throwable error, ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        if (pending != op || !op.claim()) {
            return; // ended by a timeout, a cancel or close
        }
        pending = null;
        if (error != null) {
            // EPIPE, ECONNRESET...: the connection is dead, and later writes will say so themselves
            op.finishFailed(Errors.forIo(error, !closed));
            return;
        }
        advance(srcs, offset, length, count);
        finishWith(op, count, gathering);
    }

    @SuppressWarnings("unchecked")
    private static <V> void finishWith(PendingOp<V, ?> op, long count, boolean gathering) {
        op.finish((V) result(count, gathering));
    }

    private synchronized void timedOut(PendingOp<?, ?> op, CompletableFuture<Void> send) {
        if (pending != op || !op.claim()) {
            return;
        }
        pending = null;
        broken = true;
        send.cancel(true);
        op.finishFailed(new InterruptedByTimeoutException());
    }

    private static void advance(ByteBuffer[] srcs, int offset, int length, int count) {
        int left = count;
        for (int i = offset; i < offset + length && left > 0; i++) {
            int n = Math.min(srcs[i].remaining(), left);
            srcs[i].position(srcs[i].position() + n);
            left -= n;
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> V result(long count, boolean gathering) {
        Object value = gathering ? (Object) Long.valueOf(count) : (Object) Integer.valueOf((int) count);
        return (V) value;
    }

    /** Sends FIN after the writes already started; writes from now on fail with ClosedChannelException. */
    synchronized void shutdownOutput() {
        if (!outputShutdown && !closed) {
            outputShutdown = true;
            connection.shutdownOutput(); // completes once FIN is queued; nothing to wait for here
        }
    }

    /**
     * Fails a pending write; returns a future that completes once the sends of writes that
     * completed at once have ended, so that closing the connection does not cut them off.
     */
    synchronized CompletableFuture<Void> close() {
        closed = true;
        PendingOp<?, ?> op = pending;
        pending = null;
        if (op != null) {
            op.fail(new AsynchronousCloseException());
        }
        drained = sendsInFlight == 0 ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
        return drained;
    }
}
