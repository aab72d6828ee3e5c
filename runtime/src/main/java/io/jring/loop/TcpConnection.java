package io.jring.loop;

import io.jring.BufferPoolExhaustedException;
import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.net.SocketOptions;
import io.jring.net.Sockets;
import io.jring.op.Op;
import io.jring.op.OpOwner;
import io.jring.op.ReceiveOp;
import io.jring.op.RecvIntoOp;
import io.jring.op.RecvOp;
import io.jring.op.ReusableSendOp;
import io.jring.op.SendBatchOp;
import io.jring.op.SendOp;
import io.jring.op.SendvOp;
import io.jring.op.ShutdownOp;
import io.jring.op.ZeroCopySendOp;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A connection on one loop. Sends run one at a time in call order (two sends in flight on one
 * stream socket could each be cut short and interleave their bytes), and so do receives, which
 * the {@link Receiver} feeds. All fields are touched on the loop thread only.
 */
final class TcpConnection implements Connection, OpOwner, EventLoop.Closeable {
    private final EventLoop loop;
    private final int fd;
    private final Sends sends = new Sends();
    private final SendBacklog backlog;
    private final Receiver receiver;
    private final LoopFuture<Void> closed;
    private volatile boolean closing;
    /** The descriptor is closed (the close future alone cannot say: a user may cancel it). */
    private volatile boolean descriptorClosed;
    /** Asked for once, then kept: after close the descriptor number may belong to another socket. */
    private volatile SocketAddress localAddress;
    private volatile SocketAddress remoteAddress;
    /** AF_UNIX rather than TCP: the same stream operations, no TCP options. */
    private final boolean unixDomain;
    /** The socket refused a zero-copy send once: the rest go plain (read on callers' threads). */
    private volatile boolean zeroCopyRefused;

    /**
     * The sending side's queue: at most one op in the kernel, the rest waiting their turn. A
     * waiting entry is an {@link Op}, or an {@link IoBuffer} of {@link #sendAndForget}, which
     * becomes {@link #forgetful} when its turn comes (no op is made for it).
     */
    private static final class Sends {
        final ArrayDeque<Object> waiting = new ArrayDeque<>();
        Op<?> active;
    }

    /** The one op of this connection's futureless sends, made at the first; loop thread only. */
    private ReusableSendOp forgetful;
    /** A futureless send failed: the connection closes once that send has left the queue. */
    private boolean forgetfulFailed;

    TcpConnection(EventLoop loop, int fd, boolean unixDomain) {
        this.loop = loop;
        this.fd = fd;
        this.unixDomain = unixDomain;
        this.receiver = new Receiver(loop, this, fd);
        this.closed = new LoopFuture<>(loop);
        this.backlog = new SendBacklog(loop);
        if (!unixDomain) {
            Sockets.setNoDelay(fd);
        }
    }

    @Override
    public CompletableFuture<IoBuffer> recv() {
        return recv((Duration) null);
    }

    @Override
    public CompletableFuture<IoBuffer> recv(Duration timeout) {
        return enqueueRecv(new RecvOp(loop, this, fd, timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Integer> recv(IoBuffer into) {
        return recv(into, null);
    }

    @Override
    public CompletableFuture<Integer> recv(IoBuffer into, Duration timeout) {
        return enqueueRecv(new RecvIntoOp(loop, this, fd, into, timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Void> onReceive(Consumer<IoBuffer> handler) {
        java.util.Objects.requireNonNull(handler, "handler");
        PushReceive push = new PushReceive(loop, receiver, handler);
        loop.run(() -> receiver.startPush(push));
        return push;
    }

    @Override
    public void sendAndForget(IoBuffer buffer) {
        int bytes = buffer.readableBytes();
        ReusableSendOp.take(loop, buffer); // throws, taking nothing, on a buffer not the caller's
        backlog.sendQueued(bytes);
        if (loop.inLoop()) {
            admitForgetful(buffer);
        } else {
            loop.execute(() -> admitForgetful(buffer));
        }
    }

    private void admitForgetful(IoBuffer buffer) {
        if (closing) {
            dropForgetful(buffer);
        } else if (sends.active == null) {
            startForgetful(buffer);
        } else {
            sends.waiting.add(buffer);
        }
    }

    private void startForgetful(IoBuffer buffer) {
        if (forgetful == null) {
            forgetful = new ReusableSendOp(loop, this, fd, this::forgetfulFailed);
        }
        forgetful.load(buffer);
        sends.active = forgetful;
        loop.submit(forgetful);
    }

    /** A futureless send that will never be made: its buffer goes back, its bytes leave the count. */
    private void dropForgetful(IoBuffer buffer) {
        ReusableSendOp.giveBack(this, buffer);
    }

    /**
     * A futureless send failed (EPIPE, ECONNRESET...): nobody holds a future for it, so the
     * error goes to the connection's onReceive, if one is in force, and the connection closes
     * once that send has left the queue (see {@link #opFinished}).
     */
    private void forgetfulFailed(Throwable error) {
        forgetfulFailed = true;
        receiver.failPush(error);
    }

    @Override
    public CompletableFuture<Void> send(IoBuffer buffer) {
        return send(buffer, null);
    }

    @Override
    public CompletableFuture<Void> send(IoBuffer buffer, Duration timeout) {
        if (zeroCopy(buffer.readableBytes())) {
            ZeroCopySendOp op = new ZeroCopySendOp(loop, this, fd, buffer, timeoutNanos(timeout));
            backlog.sendQueued(op.bytes());
            return enqueueSend(op);
        }
        SendOp op = new SendOp(loop, this, fd, buffer, timeoutNanos(timeout));
        backlog.sendQueued(op.bytes());
        return enqueueSend(op);
    }

    /** Whether a send of {@code bytes} goes zero-copy: the loop says so, and this socket never refused it. */
    private boolean zeroCopy(long bytes) {
        return !zeroCopyRefused && loop.zeroCopyFor(bytes);
    }

    @Override
    public CompletableFuture<Long> sendFile(io.jring.AsyncFile file, long position, long count) {
        return sendFile(file, position, count, null);
    }

    @Override
    public CompletableFuture<Long> sendFile(io.jring.AsyncFile file, long position, long count, Duration timeout) {
        if (!(file instanceof LoopFile source) || !loop.pool().sameRuntime(source.loop().pool())) {
            return LoopFuture.failed(new IllegalArgumentException(file + " was not opened by this connection's IoRuntime"));
        }
        if (!source.borrow()) { // the descriptor stays open until the send ends
            return LoopFuture.failed(io.jring.op.FileOp.error("sendFile", source.path(), io.jring.bindings.Errno.EBADF));
        }
        try {
            return enqueueSend(new io.jring.op.SendFileOp(loop, this, fd, source.fd(), source.path(), position, count,
                    source::giveBack, timeoutNanos(timeout)));
        } catch (RuntimeException e) {
            return LoopFuture.failed(e); // the op gave the file back
        }
    }

    @Override
    public CompletableFuture<Void> send(MemorySegment bytes) {
        return send(bytes, null);
    }

    @Override
    public CompletableFuture<Void> send(MemorySegment bytes, Duration timeout) {
        long nanos = timeoutNanos(timeout); // a bad timeout throws before anything is copied
        if (closing) { // the copy below needs the pool, which a closed runtime has freed
            return LoopFuture.failed(new ConnectionClosedException("connection is closed"));
        }
        if (zeroCopy(bytes.byteSize())) {
            ZeroCopySendOp op = new ZeroCopySendOp(loop, this, fd, bytes, nanos);
            backlog.sendQueued(op.bytes());
            return enqueueSend(op);
        }
        SendOp op = new SendOp(loop, this, fd, bytes, nanos);
        backlog.sendQueued(op.bytes());
        return enqueueSend(op);
    }

    @Override
    public CompletableFuture<Integer> recvInPlace(MemorySegment into, Duration timeout) {
        return enqueueRecv(new io.jring.op.RecvSegmentOp(loop, this, fd, into, timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Void> sendInPlace(MemorySegment bytes, Duration timeout) {
        io.jring.op.SendSegmentOp op = new io.jring.op.SendSegmentOp(loop, this, fd, bytes, timeoutNanos(timeout));
        backlog.sendQueued(op.bytes());
        return enqueueSend(op);
    }

    @Override
    public CompletableFuture<Void> sendv(IoBuffer... buffers) {
        return sendv(null, buffers);
    }

    @Override
    public CompletableFuture<Void> sendv(Duration timeout, IoBuffer... buffers) {
        // A bad timeout throws before any buffer is taken, as send(buffer, timeout) does.
        long nanos = timeoutNanos(timeout);
        int max = SendvOp.maxBuffers(loop.pool().blockSize());
        if (buffers.length == 0 || buffers.length > max) {
            releaseRefused(buffers); // sendv owns them even when it refuses them
            return LoopFuture.failed(new IllegalArgumentException(
                    "sendv takes 1 to " + max + " buffers, got " + buffers.length));
        }
        SendvOp op;
        try {
            op = new SendvOp(loop, this, fd, buffers.clone(), nanos);
        } catch (BufferPoolExhaustedException e) {
            releaseRefused(buffers); // owned by sendv, which could not start
            return LoopFuture.failed(e);
        }
        backlog.sendQueued(op.bytes());
        return enqueueSend(op);
    }

    /**
     * Releases what a refused sendv was given. One the caller listed twice, or did not own (a
     * send took it), cannot be released again: skip it rather than throw half-way and leak the
     * buffers after it; the returned future carries the refusal.
     */
    private static void releaseRefused(IoBuffer[] buffers) {
        for (IoBuffer buffer : buffers) {
            try {
                buffer.release();
            } catch (IllegalStateException notOwned) {
                // listed twice, or not the caller's: nothing of ours to give back
            }
        }
    }

    @Override
    public CompletableFuture<Void> shutdownOutput() {
        return shutdownOutput(null);
    }

    @Override
    public CompletableFuture<Void> shutdownOutput(Duration timeout) {
        return enqueueSend(new ShutdownOp(loop, this, fd, timeoutNanos(timeout)));
    }

    @Override
    public long queuedSendBytes() {
        return backlog.queuedBytes();
    }

    @Override
    public boolean isWritable() {
        return !closing && backlog.isWritable();
    }

    @Override
    public CompletableFuture<Void> whenWritable() {
        return whenWritable(null);
    }

    @Override
    public CompletableFuture<Void> whenWritable(Duration timeout) {
        return backlog.whenWritable(this, timeoutNanos(timeout));
    }

    @Override
    public Connection setWriteBufferWaterMarks(int low, int high) {
        backlog.setMarks(low, high);
        return this;
    }

    @Override
    public int writeBufferLowWaterMark() {
        return backlog.lowMark();
    }

    @Override
    public int writeBufferHighWaterMark() {
        return backlog.highMark();
    }

    @Override
    public void sendEnded(long bytes) {
        backlog.sendEnded(bytes);
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
    public SocketAddress localAddress() {
        SocketAddress known = localAddress;
        return known != null ? known : (localAddress = address(true));
    }

    @Override
    public SocketAddress remoteAddress() {
        SocketAddress known = remoteAddress;
        return known != null ? known : (remoteAddress = address(false));
    }

    /** Asks the kernel, on the loop thread ({@link #onLoop}), while the descriptor is still open. */
    private SocketAddress address(boolean local) {
        try {
            return onLoop(() -> {
                if (descriptorClosed) {
                    throw new IllegalStateException("connection is closed: its " + (local ? "local" : "remote")
                            + " address was not asked for while it was open");
                }
                return local ? Sockets.localAddress(fd) : Sockets.remoteAddress(fd);
            });
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Void> close() {
        loop.run(this::beginClose);
        return closed;
    }

    @Override
    public CompletableFuture<Void> abort() {
        loop.run(() -> {
            if (!descriptorClosed && !unixDomain) { // AF_UNIX has no reset: a plain close
                try {
                    // Linger 0 turns the close below (now, or when the kernel returns the last
                    // buffer) into a reset: unsent data is dropped and the peer sees ECONNRESET.
                    SocketOptions.setLinger(fd, 0);
                } catch (NativeIoException e) {
                    // The socket is still closed, only gracefully; the peer sees end of stream.
                }
            }
            beginClose();
        });
        return closed;
    }

    @Override
    public <T> Connection setOption(SocketOption<T> option, T value) throws IOException {
        SocketOptions.checkValue(option, value); // a bad argument fails here, on the caller's thread
        SocketOptions.checkFamily(option, unixDomain);
        onLoop(() -> {
            requireOpenForOptions();
            SocketOptions.set(fd, isIpv6(), option, value);
            return null;
        });
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        SocketOptions.checkSupported(option);
        SocketOptions.checkFamily(option, unixDomain);
        return onLoop(() -> {
            requireOpenForOptions();
            return SocketOptions.get(fd, isIpv6(), option);
        });
    }

    /** The socket's family, from the address asked for once (IP_TOS is IPV6_TCLASS on AF_INET6). */
    private boolean isIpv6() {
        return localAddress() instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet6Address;
    }

    private interface SocketCall<T> {
        T call() throws IOException;
    }

    private void requireOpenForOptions() throws ConnectionClosedException {
        if (closing) {
            throw new ConnectionClosedException("connection is closed: socket options can no longer be read or set");
        }
    }

    /**
     * Runs a call on {@code fd} on the loop thread, the only thread that closes it: the number
     * cannot be closed and handed to another socket between the caller's check and the call.
     */
    private <T> T onLoop(SocketCall<T> call) throws IOException {
        if (!loop.inLoop()) {
            try {
                return CompletableFuture.supplyAsync(() -> {
                    try {
                        return onLoop(call);
                    } catch (IOException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, loop).join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        return call.call();
    }

    @Override
    public void closeForShutdown() {
        beginClose();
    }

    private <T, O extends Op<T>> O enqueueSend(O op) {
        // On the loop thread (the common case: a stage chained on an earlier op) no task object
        // is made, so an operation costs only the future it returns.
        if (loop.inLoop()) {
            admitSend(op);
        } else {
            loop.execute(() -> admitSend(op));
        }
        return op;
    }

    private <T, O extends ReceiveOp<T>> O enqueueRecv(O op) {
        if (loop.inLoop()) {
            admitRecv(op);
        } else {
            loop.execute(() -> admitRecv(op));
        }
        return op;
    }

    private void admitRecv(ReceiveOp<?> op) {
        if (closing) {
            EventLoop.abandon(op, "connection is closed");
        } else {
            receiver.admit(op);
        }
    }

    private void admitSend(Op<?> op) {
        if (closing) {
            EventLoop.abandon(op, "connection is closed");
        } else if (sends.active == null) {
            startSend(op);
        } else {
            sends.waiting.add(op);
            loop.watchDeadline(op); // its clock runs while it waits its turn
        }
    }

    /** Starts one queued send alone: an op, or a futureless send's buffer. */
    private void startOne(Object next) {
        if (next instanceof IoBuffer buffer) {
            startForgetful(buffer);
        } else {
            startSend((Op<?>) next);
        }
    }

    private void startSend(Op<?> op) {
        if (op.isDone()) {
            loop.endWaiting(op); // cancelled by the user while it waited its turn
            return;
        }
        sends.active = op;
        loop.submit(op);
    }

    /**
     * Starts the queue's next send, and with it, when it is {@link SendBatchOp#joinable} (a plain
     * send, or a futureless send's buffer), in one sendmsg, the joinable sends queued right behind
     * it ({@link SendBatchOp}): sends queue while one is in the kernel, and a large echo or a
     * burst of answers would otherwise go out one block per syscall (or SQE and CQE). Futureless
     * and future sends join alike, in call order; any other send goes alone.
     */
    private void startSendOrBatch(Object next) {
        int max = SendBatchOp.maxParts(loop.pool().blockSize());
        if (max < 2 || !SendBatchOp.joinable(next) || !SendBatchOp.joinable(sends.waiting.peek())) {
            startOne(next);
            return;
        }
        Object[] parts = new Object[Math.min(max, 1 + sends.waiting.size())];
        int count = 0;
        parts[count++] = next;
        while (count < parts.length && SendBatchOp.joinable(sends.waiting.peek())) {
            parts[count++] = sends.waiting.poll();
        }
        SendBatchOp batch;
        try {
            // a few parts may stay null
            batch = new SendBatchOp(loop, this, fd, parts, count, this::forgetfulFailed);
        } catch (BufferPoolExhaustedException noBlockForTheIovecs) {
            for (int i = count - 1; i > 0; i--) {
                sends.waiting.addFirst(parts[i]); // one by one instead, in the same order
            }
            startOne(next);
            return;
        }
        sends.active = batch; // no part has a timeout, so none is in the loop's deadline heap
        loop.submit(batch);
    }

    @Override
    public void sendDone(Op<?> op) {
        loop.unwatchDeadline(op); // its future is complete: a deadline has nothing left to cut short
        if (sends.active == op) {
            opFinished(op); // for the send queue it is over; its own end comes later and finds it gone
        }
    }

    @Override
    public void opFinished(Op<?> op) {
        if (op instanceof ZeroCopySendOp zeroCopySend && zeroCopySend.refusedBySocket()) {
            zeroCopyRefused = true;
        }
        if (sends.active == op) {
            sends.active = null;
            if (forgetfulFailed && !closing) {
                beginClose(); // after a failed futureless send nothing more goes out
            }
            while (sends.active == null && !sends.waiting.isEmpty()) {
                startSendOrBatch(sends.waiting.poll());
            }
        } else if (!receiver.opFinished(op)) {
            return; // an op that ended before it started
        }
        if (closing && sends.active == null && !receiver.busy()) {
            finishClose();
        }
    }

    /** A queued op's deadline passed before its turn: it ends without reaching the kernel. */
    @Override
    public void deadlinePassed(Op<?> op) {
        if (sends.waiting.remove(op)) {
            loop.endWaiting(op); // no cancel cause: a TimeoutException
        } else {
            receiver.endWaiting(op);
        }
    }

    @Override
    public void keepUnclaimed(IoBuffer data) {
        receiver.keep(data);
    }

    @Override
    public void cancelledWhileWaiting(Op<?> op) {
        if (sends.waiting.remove(op)) {
            loop.endWaiting(op);
        } else {
            receiver.endWaiting(op);
        }
    }

    private void beginClose() {
        if (closing) {
            return;
        }
        closing = true;
        Object next;
        while ((next = sends.waiting.poll()) != null) {
            if (next instanceof Op<?> queued) {
                loop.unwatchDeadline(queued);
                EventLoop.abandon(queued, "connection closed");
            } else {
                dropForgetful((IoBuffer) next);
            }
        }
        if (sends.active != null) {
            loop.cancelForClose(sends.active);
        }
        receiver.close();
        backlog.closed();
        if (sends.active == null && !receiver.busy()) {
            finishClose();
        }
    }

    /** Only now, with no operation left in the kernel, may the descriptor number be reused. */
    private void finishClose() {
        if (!descriptorClosed) {
            descriptorClosed = true;
            loop.closingDescriptor(fd);
            LibC.close(fd);
            loop.unregister(this);
            closed.succeed(null);
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
