package io.jring.loop;

import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.buffer.Buffers;
import io.jring.op.Op;
import io.jring.op.ReceiveOp;
import io.jring.op.RecvLoopOp;
import io.jring.op.RecvStreamOp;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;

/**
 * The receiving side of one connection: a small state machine, loop thread only.
 *
 * <p><b>What is in the kernel</b> ({@link #kernel}), at most one op at a time:
 * <pre>
 *   IDLE ──(recv(), multishot allowed)──▶ STREAMING ──(inbox reached INBOX_LIMIT)──▶ PAUSED
 *     │  ◀──────────(the stream's last CQE: end, error, ENOBUFS, or the pause's ECANCELED)──┘
 *     └──(recv(into), epoll, no multishot, or after ENOBUFS)──▶ SINGLE ──(its CQE)──▶ IDLE
 * </pre>
 * <ul>
 *   <li><b>IDLE</b>: nothing. <b>SINGLE</b>: the head recv itself, taken out of the waiting line
 *       ({@link #single}). <b>STREAMING</b>: one multishot recv ({@link #stream}, io_uring 6.0+
 *       with a provided-buffer ring), armed once and kept: each arrival goes to the oldest
 *       waiting recv, or into the inbox. <b>PAUSED</b>: the stream is being cancelled because
 *       nobody reads; data already on its way may still land in the inbox.
 * </ul>
 *
 * <p><b>Invariants.</b>
 * <ol>
 *   <li>Receives complete in call order, each exactly once: served from the head of
 *       {@link #waiting} only, or (SINGLE) by the kernel while nobody else is served.
 *   <li>No byte is lost or reordered: the inbox is drained before a waiting recv goes to the
 *       kernel, and an end of stream or error ({@link #pendingEnd}) is delivered only once the
 *       inbox is empty. A recv cancelled as its data came gives the data back to the inbox
 *       front ({@link #keep}).
 *   <li>Memory per connection is bounded: a STREAMING connection with {@value #INBOX_LIMIT}
 *       buffers in its inbox is PAUSED, so the rest waits in the socket and TCP's window slows
 *       the peer. One kernel wakeup can fill a few more before the cancel lands; never more
 *       than the loop's provided-buffer ring.
 *   <li>Re-entrancy is safe: completing a recv runs the user's stages (even a completion that
 *       fails, when a cancel from another thread won), which may recv again or close right
 *       there. While a recv is being completed, nested serving only queues ({@link #handing});
 *       the buffer being handed is out of the inbox, settled after by the outcome, and every
 *       step of {@code serve} re-reads the state.
 *   <li>Once {@link #closed}: nothing new reaches the kernel, waiting recvs fail, the inbox is
 *       released, and what is in the kernel is cancelled; the descriptor stays open until
 *       {@link #busy()} turns false.
 * </ol>
 *
 * <p><b>Push</b> ({@code onReceive}, {@link #push}): instead of recvs, one handler takes every
 * buffer, with no future per buffer. The inbox goes to it first, then the stream (STREAMING) or,
 * where there is none, a {@link RecvLoopOp} (LOOPING: epoll's read loop, or io_uring's recv
 * re-armed per arrival) feeds it. Recvs are refused while it lasts, and it is refused while
 * recvs wait. It ends at the stream's end (its future completes, or fails with the errno), on a
 * close, when the handler throws (the connection closes), or when its future is cancelled: the
 * stream then stays armed for a later receive, a read loop is cancelled; nothing is lost.
 */
final class Receiver implements RecvStreamOp.Sink {
    /** Buffers the inbox may hold before the stream is paused: enough for a burst, bounded per connection. */
    static final int INBOX_LIMIT = 4;
    private static final long NO_END = 1;
    /** Why a stream is paused; nobody sees it, so one instance without a stack trace serves all. */
    private static final CancellationException INBOX_FULL = new CancellationException("inbox full") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    /** Why a read loop is cancelled when its push is; nobody sees it either. */
    private static final CancellationException PUSH_STOPPED = new CancellationException("onReceive stopped") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private enum Kernel { IDLE, SINGLE, STREAMING, PAUSED, LOOPING }

    private final EventLoop loop;
    private final TcpConnection connection;
    private final int fd;
    private final ArrayDeque<ReceiveOp<?>> waiting = new ArrayDeque<>();
    private final ArrayDeque<IoBuffer> inbox = new ArrayDeque<>();
    private Kernel kernel = Kernel.IDLE;
    /** SINGLE: the recv in the kernel. */
    private ReceiveOp<?> single;
    /** STREAMING and PAUSED: the multishot recv, from its submission to its last CQE. */
    private RecvStreamOp stream;
    /** How the stream ended (0: end of stream, or -errno), owed to a recv once the inbox is empty. */
    private long pendingEnd = NO_END;
    /** The stream found no provided buffer: the next recv goes SINGLE with a block of its own. */
    private boolean singleShotNext;
    private boolean closed;
    /** LOOPING: the read loop feeding {@link #push}. */
    private RecvLoopOp readLoop;
    /** The onReceive in force, or null while recvs are served. */
    private PushReceive push;
    /**
     * {@link #hand} or {@link #deliverEnd} is completing a recv. Completing runs user stages even
     * when it fails (CompletableFuture helps finish a cancel another thread just made); their
     * recvs only queue meanwhile, and the serving loop further out serves them in order.
     */
    private boolean handing;

    Receiver(EventLoop loop, TcpConnection connection, int fd) {
        this.loop = loop;
        this.connection = connection;
        this.fd = fd;
    }

    /** A user's recv, in call order. */
    void admit(ReceiveOp<?> op) {
        if (push != null) {
            refuseWhilePushing(op);
            return;
        }
        waiting.add(op);
        loop.watchDeadline(op);
        serve();
    }

    /** Whether an op of this side is still in the kernel (the descriptor must stay open). */
    boolean busy() {
        return kernel != Kernel.IDLE;
    }

    /** Serves the waiting line's head, again and again, until it is empty or must wait for the kernel. */
    private void serve() {
        if (push != null) {
            servePush();
            return;
        }
        while (!waiting.isEmpty() && kernel != Kernel.SINGLE && !closed && !handing) {
            ReceiveOp<?> head = waiting.peek();
            if (head.isDone()) { // cancelled by the user while it waited
                waiting.poll();
                loop.endWaiting(head);
            } else if (!inbox.isEmpty()) {
                hand(head);
            } else if (pendingEnd != NO_END) {
                deliverEnd(head);
            } else if (kernel == Kernel.STREAMING || kernel == Kernel.PAUSED || kernel == Kernel.LOOPING) {
                return; // the next arrival, or the stream's end, is the head's
            } else if (mayStream(head)) {
                stream = new RecvStreamOp(loop, connection, fd, this);
                kernel = Kernel.STREAMING;
                loop.submit(stream);
                return;
            } else {
                waiting.poll(); // its deadline stays watched: the loop cancels it in the kernel
                single = head;
                kernel = Kernel.SINGLE;
                loop.submit(head);
                return;
            }
        }
    }

    /**
     * Completes {@code head} from the inbox's first buffer, taken out of the inbox meanwhile:
     * the completion runs user stages (even when it fails), which may receive again (they only
     * queue: serving is held off) or close (which frees only what is still in the inbox). The
     * inbox is settled afterwards, by the outcome.
     */
    private void hand(ReceiveOp<?> head) {
        IoBuffer buffer = inbox.poll();
        leave(head);
        int outcome;
        handing = true;
        try {
            outcome = head.takeFrom(buffer);
        } finally {
            handing = false;
        }
        if (outcome != ReceiveOp.TOOK_BUFFER) {
            if (closed || buffer.readableBytes() == 0) {
                buffer.release();
            } else {
                inbox.addFirst(buffer); // not taken, or only partly copied: the rest goes first
            }
        }
        head.finished();
    }

    private void deliverEnd(ReceiveOp<?> head) {
        long end = pendingEnd;
        pendingEnd = NO_END;
        leave(head);
        handing = true;
        try {
            head.complete(end, 0);
        } finally {
            handing = false;
        }
        if (head.isCancelled() && !closed) {
            pendingEnd = end; // the user cancelled it just now: the next recv is owed this end
        }
        head.finished();
    }

    private boolean mayStream(ReceiveOp<?> head) {
        if (singleShotNext) {
            singleShotNext = false;
            return false;
        }
        return head.runtimePicksMemory() && loop.multishotRecv();
    }

    private void leave(ReceiveOp<?> head) {
        waiting.remove(head);
        loop.unwatchDeadline(head);
    }

    // ---- push --------------------------------------------------------------------------------

    /** A recv while onReceive is in force ends at once (kept out of {@link #admit}, which is hot). */
    private void refuseWhilePushing(ReceiveOp<?> op) {
        op.cancelBecause(new IllegalStateException("recv on " + connection + " refused: onReceive is"
                + " pushing this connection's data to its handler; cancel its future first (the two"
                + " receive styles do not mix)"));
        op.aborted();
        op.finished();
    }

    /** Starts {@code onReceive}, unless another one is in force or recvs still wait. */
    void startPush(PushReceive next) {
        if (closed) {
            next.fail(new ConnectionClosedException("connection is closed"));
        } else if (push != null) {
            next.fail(new IllegalStateException("onReceive on " + connection + " refused: another onReceive"
                    + " is in force; cancel its future first"));
        } else if (!waiting.isEmpty() || kernel == Kernel.SINGLE) {
            next.fail(new IllegalStateException("onReceive on " + connection + " refused: recv calls are"
                    + " still waiting; start it once they have completed (the two receive styles do not mix)"));
        } else if (!next.isDone()) { // not cancelled on its way here
            push = next;
            servePush();
        }
    }

    /** The push's future was cancelled: recvs may come again; a read loop stops (the stream stays). */
    void stopPush(PushReceive stopped) {
        if (push != stopped) {
            return;
        }
        push = null;
        if (kernel == Kernel.LOOPING) {
            readLoop.cancelBecause(PUSH_STOPPED);
            loop.driver().cancel(readLoop);
        }
        serve();
    }

    /** Fails the push in force, if any, with {@code cause} (a send without a future failed). */
    void failPush(Throwable cause) {
        PushReceive failed = push;
        if (failed != null) {
            push = null;
            failed.fail(cause);
        }
    }

    /** Hands the inbox to the push, delivers the end once it is empty, else keeps data coming. */
    private void servePush() {
        while (push != null && !closed && !handing) {
            IoBuffer buffer = inbox.poll();
            if (buffer != null) {
                pushOne(push, buffer);
            } else if (pendingEnd != NO_END) {
                long end = pendingEnd;
                pendingEnd = NO_END;
                PushReceive ended = push;
                push = null;
                if (end == 0) {
                    ended.succeed();
                } else {
                    ended.fail(new NativeIoException("recv", (int) -end));
                }
            } else {
                if (kernel == Kernel.IDLE) {
                    arm();
                }
                return;
            }
        }
    }

    private void arm() {
        if (!singleShotNext && loop.multishotRecv()) {
            stream = new RecvStreamOp(loop, connection, fd, this);
            kernel = Kernel.STREAMING;
            loop.submit(stream);
        } else {
            // After ENOBUFS on io_uring one recv of its own, then multishot again (as a recv()
            // after ENOBUFS is single-shot once); epoll's read loop goes on for good.
            boolean once = singleShotNext && loop.multishotRecv();
            singleShotNext = false;
            readLoop = new RecvLoopOp(loop, connection, fd, this, once);
            kernel = Kernel.LOOPING;
            loop.submit(readLoop);
        }
    }

    /**
     * Runs the handler on one buffer, which it owns from here. A handler that throws ends this
     * push with what it threw and closes the connection, and the loop goes on; a buffer it
     * neither released nor sent is released for it.
     */
    private void pushOne(PushReceive to, IoBuffer buffer) {
        handing = true;
        try {
            to.handler.accept(buffer);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            if (Buffers.isOwned(buffer)) {
                buffer.release();
            }
            if (push == to) {
                push = null;
            }
            to.fail(e);
            connection.close();
        } finally {
            handing = false;
        }
    }

    /** Data a cancelled single-shot recv received: it was first in line, so it goes first. */
    void keep(IoBuffer data) {
        if (closed) {
            data.release();
        } else {
            inbox.addFirst(data);
        }
    }

    // ---- the stream's results ----------------------------------------------------------------

    @Override
    public void received(IoBuffer buffer) {
        if (closed) {
            buffer.release();
            return;
        }
        inbox.add(buffer);
        serve();
        if (inbox.size() >= INBOX_LIMIT && kernel == Kernel.STREAMING) {
            kernel = Kernel.PAUSED;
            stream.cancelBecause(INBOX_FULL);
            loop.driver().cancel(stream);
        }
    }

    @Override
    public void ended(long res) {
        if (!closed) {
            pendingEnd = res;
        }
    }

    @Override
    public void outOfBuffers() {
        singleShotNext = true;
    }

    // ---- ends --------------------------------------------------------------------------------

    /** An op of this side left the kernel: serve whoever waits next. False if it is not this side's. */
    boolean opFinished(Op<?> op) {
        if (op == single) {
            single = null;
        } else if (op == readLoop) {
            readLoopEnded();
        } else if (op == stream) {
            stream = null;
            if (op.isCompletedExceptionally() && op.cancelCause() != INBOX_FULL && !closed && pendingEnd == NO_END) {
                // The driver failed the stream (it threw, or the kernel lost completions; logged
                // there): what it would have received may be missing, so reading ends in an
                // error instead of going on past a gap.
                pendingEnd = -Errno.EIO;
            }
        } else {
            return false;
        }
        kernel = Kernel.IDLE;
        serve();
        return true;
    }

    private void readLoopEnded() {
        RecvLoopOp ended = readLoop;
        readLoop = null;
        if (ended.isCompletedExceptionally() && ended.cancelCause() != PUSH_STOPPED && !closed && pendingEnd == NO_END) {
            failPush(ended.exceptionNow()); // e.g. the pool refused a block: nothing was read
        }
    }

    /** A waiting recv's deadline passed, or the user cancelled it: it ends without the kernel. */
    void endWaiting(Op<?> op) {
        if (waiting.remove(op)) {
            loop.endWaiting(op);
        }
    }

    /** Ends every waiting recv, frees the inbox and cancels what is in the kernel. */
    void close() {
        closed = true;
        failPush(new ConnectionClosedException("connection closed"));
        Op<?> op;
        while ((op = waiting.poll()) != null) {
            loop.unwatchDeadline(op);
            EventLoop.abandon(op, "connection closed");
        }
        IoBuffer buffer;
        while ((buffer = inbox.poll()) != null) {
            buffer.release();
        }
        switch (kernel) {
            case SINGLE -> loop.cancelForClose(single);
            case STREAMING, PAUSED -> loop.cancelForClose(stream);
            case LOOPING -> loop.cancelForClose(readLoop);
            case IDLE -> { }
        }
    }
}
