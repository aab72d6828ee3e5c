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
 * owns) and sends them in one send or sendv. The caller's positions advance only when the
 * kernel has taken every byte, by exactly that count; a larger write is a partial write, as the
 * specification allows.
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

    ChannelWriter(JringChannelGroup group, Connection connection) {
        this.group = group;
        this.connection = connection;
    }

    synchronized <V, A> Future<V> write(ByteBuffer[] srcs, int offset, int length, boolean gathering,
                                         long timeoutNanos, A attachment, CompletionHandler<V, ? super A> handler) {
        if (broken) {
            throw new IllegalStateException("Writing not allowed due to timeout or cancellation");
        }
        if (pending != null) {
            throw new WritePendingException();
        }
        PendingOp<V, A> op = new PendingOp<>(group, handler, attachment);
        if (closed || outputShutdown) {
            op.fail(new ClosedChannelException());
            return op.returned();
        }
        long total = Buffers.remaining(srcs, offset, length);
        if (total == 0) {
            op.succeed(result(0, gathering));
            return op.returned();
        }
        ByteBuffer first = InPlace.firstWithRoom(srcs, offset, length);
        boolean inPlace = first.remaining() == total && InPlace.pinnable(first);
        int count = inPlace ? first.remaining() : (int) Math.min(total, MAX_WRITE);
        CompletableFuture<Void> send;
        try {
            send = inPlace ? connection.sendInPlace(MemorySegment.ofBuffer(first), null)
                    : send(copyOf(srcs, offset, length, count));
        } catch (RuntimeException e) { // the pool at its memory cap, or a buffer whose Arena closed
            op.fail(e);
            return op.returned();
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
        return op.returned();
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

    synchronized void close() {
        closed = true;
        PendingOp<?, ?> op = pending;
        pending = null;
        if (op != null) {
            op.fail(new AsynchronousCloseException());
        }
    }
}
