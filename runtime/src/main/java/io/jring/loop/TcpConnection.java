package io.jring.loop;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.net.Sockets;
import io.jring.op.Op;
import io.jring.op.OpOwner;
import io.jring.op.RecvIntoOp;
import io.jring.op.RecvOp;
import io.jring.op.SendOp;
import io.jring.op.SendvOp;
import io.jring.op.ShutdownOp;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A connection on one loop. Sends run one at a time in call order, and so do receives: two
 * sends in flight on one stream socket could each be cut short and interleave their bytes.
 * All fields are touched on the loop thread only.
 */
final class TcpConnection implements Connection, OpOwner, EventLoop.Closeable {
    private final EventLoop loop;
    private final int fd;
    private final Direction sends = new Direction();
    private final Direction receives = new Direction();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean closing;
    private InetSocketAddress localAddress;
    private InetSocketAddress remoteAddress;

    /** One direction's queue: at most one op in the kernel, the rest waiting their turn. */
    private static final class Direction {
        final ArrayDeque<Op<?>> waiting = new ArrayDeque<>();
        Op<?> active;
    }

    TcpConnection(EventLoop loop, int fd) {
        this.loop = loop;
        this.fd = fd;
        Sockets.setNoDelay(fd);
    }

    @Override
    public CompletableFuture<IoBuffer> recv() {
        return recv((Duration) null);
    }

    @Override
    public CompletableFuture<IoBuffer> recv(Duration timeout) {
        return enqueue(receives, new RecvOp(loop, this, fd, timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Integer> recv(IoBuffer into) {
        return recv(into, null);
    }

    @Override
    public CompletableFuture<Integer> recv(IoBuffer into, Duration timeout) {
        return enqueue(receives, new RecvIntoOp(loop, this, fd, into, timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Void> send(IoBuffer buffer) {
        return send(buffer, null);
    }

    @Override
    public CompletableFuture<Void> send(IoBuffer buffer, Duration timeout) {
        return enqueue(sends, new SendOp(loop, this, fd, buffer, timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Void> send(MemorySegment bytes) {
        return enqueue(sends, new SendOp(loop, this, fd, bytes, 0));
    }

    @Override
    public CompletableFuture<Void> sendv(IoBuffer... buffers) {
        int max = SendvOp.maxBuffers(loop.pool().blockSize());
        if (buffers.length == 0 || buffers.length > max) {
            for (IoBuffer buffer : buffers) {
                buffer.release(); // sendv owns them even when it refuses them
            }
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "sendv takes 1 to " + max + " buffers, got " + buffers.length));
        }
        return enqueue(sends, new SendvOp(loop, this, fd, buffers.clone(), 0));
    }

    @Override
    public CompletableFuture<Void> shutdownOutput() {
        return enqueue(sends, new ShutdownOp(loop, this, fd));
    }

    @Override
    public IoBuffer allocate() {
        return loop.pool().acquire();
    }

    @Override
    public Executor executor() {
        return loop;
    }

    @Override
    public boolean isOpen() {
        return !closing;
    }

    @Override
    public InetSocketAddress localAddress() {
        if (localAddress == null) {
            localAddress = address(true);
        }
        return localAddress;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        if (remoteAddress == null) {
            remoteAddress = address(false);
        }
        return remoteAddress;
    }

    private InetSocketAddress address(boolean local) {
        try {
            return local ? Sockets.localAddress(fd) : Sockets.remoteAddress(fd);
        } catch (NativeIoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Void> close() {
        loop.run(this::beginClose);
        return closed;
    }

    @Override
    public void closeForShutdown() {
        beginClose();
    }

    private <T, O extends Op<T>> O enqueue(Direction direction, O op) {
        // On the loop thread (the common case: a stage chained on an earlier op) no task object
        // is made, so an operation costs only the future it returns.
        if (loop.inLoop()) {
            admit(direction, op);
        } else {
            loop.execute(() -> admit(direction, op));
        }
        return op;
    }

    private void admit(Direction direction, Op<?> op) {
        if (closing) {
            EventLoop.abandon(op, "connection is closed");
        } else if (direction.active == null) {
            start(direction, op);
        } else {
            direction.waiting.add(op);
            if (op.deadlineNanos() != 0) {
                expireWhileQueued(direction, op);
            }
        }
    }

    /** A deadline passes while the op still waits its turn: it ends without reaching the kernel. */
    private void expireWhileQueued(Direction direction, Op<?> op) {
        long left = Math.max(0, op.deadlineNanos() - System.nanoTime());
        CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS, loop).execute(() -> {
            if (direction.waiting.remove(op)) {
                op.aborted(); // no cancel cause: a TimeoutException
                op.finished();
            }
        });
    }

    private void start(Direction direction, Op<?> op) {
        if (op.isDone()) {
            // Cancelled by the user while it waited its turn: it never reached the kernel.
            op.aborted();
            op.finished();
            return;
        }
        direction.active = op;
        loop.driver().submit(op);
    }

    @Override
    public void opFinished(Op<?> op) {
        Direction direction = sends.active == op ? sends : receives.active == op ? receives : null;
        if (direction == null) {
            return; // an op abandoned before it started
        }
        direction.active = null;
        while (direction.active == null && !direction.waiting.isEmpty()) {
            start(direction, direction.waiting.poll());
        }
        if (closing && sends.active == null && receives.active == null) {
            finishClose();
        }
    }

    private void beginClose() {
        if (closing) {
            return;
        }
        closing = true;
        for (Direction direction : new Direction[] {sends, receives}) {
            Op<?> queued;
            while ((queued = direction.waiting.poll()) != null) {
                EventLoop.abandon(queued, "connection closed");
            }
            if (direction.active != null) {
                direction.active.cancelBecause(new ConnectionClosedException("connection closed"));
                loop.driver().cancel(direction.active);
            }
        }
        if (sends.active == null && receives.active == null) {
            finishClose();
        }
    }

    /** Only now, with no operation left in the kernel, may the descriptor number be reused. */
    private void finishClose() {
        if (!closed.isDone()) {
            loop.closingDescriptor(fd);
            LibC.close(fd);
            loop.unregister(this);
            closed.complete(null);
        }
    }

    /** A user's timeout in nanoseconds; 0 for none. Shared with listeners and connects. */
    static long timeoutNanos(Duration timeout) {
        if (timeout == null) {
            return 0;
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return timeout.toNanos();
    }

    @Override
    public String toString() {
        return "Connection[fd=" + fd + ", loop=" + loop.index() + (closing ? ", closed" : "") + "]";
    }
}
