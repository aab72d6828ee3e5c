package io.jring.loop;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.op.Op;
import io.jring.op.RecvIntoOp;
import io.jring.op.RecvOp;
import io.jring.op.RecvStreamOp;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;

/**
 * The receiving side of one connection. Receives complete one at a time, in call order, fed
 * by one of two sources:
 *
 * <ul>
 *   <li>a <b>multishot recv</b> ({@link RecvStreamOp}, io_uring 6.0+ with a provided-buffer
 *       ring). The first pooled {@code recv()} that finds nothing buffered arms it, and it
 *       stays armed: each arrival goes to the oldest waiting recv or, if none waits, into a
 *       small inbox that the next recvs drain first. When the inbox holds {@link #INBOX_LIMIT}
 *       buffers and nobody reads, the stream is cancelled, so further data stays in the socket
 *       and TCP's window slows the peer; the next recv that empties the inbox arms it again.
 *   <li>a <b>single-shot recv</b> per call: on epoll, for {@code recv(into)} while no stream is
 *       armed, where the kernel refuses multishot, and for the one recv after the provided
 *       buffers ran out.
 * </ul>
 *
 * Loop thread only. A recv waiting here for the stream has its deadline kept by the loop
 * (the stream has no linked timeout of its own); a single-shot recv's is a linked timeout.
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

    private final EventLoop loop;
    private final TcpConnection connection;
    private final int fd;
    private final ArrayDeque<Op<?>> waiting = new ArrayDeque<>();
    private final ArrayDeque<IoBuffer> inbox = new ArrayDeque<>();
    /** A single-shot recv in the kernel, or null. */
    private Op<?> single;
    /** The multishot recv from its submission to its last CQE, or null. */
    private RecvStreamOp stream;
    /** How the stream ended (0 end of stream, or -errno), owed to a recv once the inbox is drained. */
    private long streamEnd = NO_END;
    /** The stream found no provided buffer: the next recv goes single-shot with a block of its own. */
    private boolean singleShotNext;
    private boolean closed;
    /**
     * A {@link #hand} is settling the inbox around a completion. Completing a future runs user
     * stages even when it fails: {@code CompletableFuture.complete} helps run the stages of a
     * cancel that another thread just made. Those stages may recv (which must wait: the inbox is
     * not settled yet) or close (which frees the inbox), so hand() re-checks after completing.
     */
    private boolean handing;

    Receiver(EventLoop loop, TcpConnection connection, int fd) {
        this.loop = loop;
        this.connection = connection;
        this.fd = fd;
    }

    /** A user's recv, in call order. */
    void admit(Op<?> op) {
        waiting.add(op);
        loop.watchDeadline(op);
        serve();
    }

    /** Whether an op of this side is still in the kernel (the descriptor must stay open). */
    boolean busy() {
        return single != null || stream != null;
    }

    /**
     * Completes waiting recvs from what is buffered, then makes sure the kernel is asked for
     * more if one still waits. Re-entrant: a recv's completion runs the user's stages, which
     * may call recv again and so come back here; every step re-reads the state. While
     * {@link #hand} completes a recv, a nested call returns at once and this loop, further out,
     * serves what was queued meanwhile, in order.
     */
    private void serve() {
        while (!waiting.isEmpty() && single == null && !closed && !handing) {
            Op<?> head = waiting.peek();
            if (head.isDone()) { // cancelled by the user while it waited
                waiting.poll();
                loop.endWaiting(head);
            } else if (!inbox.isEmpty()) {
                hand(head);
            } else if (streamEnd != NO_END) {
                long end = streamEnd;
                streamEnd = NO_END;
                leave(head);
                head.complete(end, 0);
                if (head.isCancelled()) {
                    streamEnd = end; // the user cancelled it just now: the next recv is owed this end
                }
                head.finished();
            } else if (stream != null) {
                return; // armed: the next arrival is the head's
            } else if (mayStream(head)) {
                stream = new RecvStreamOp(loop, connection, fd, this);
                loop.driver().submit(stream);
                return;
            } else {
                leave(head);
                single = head;
                loop.driver().submit(head);
                return;
            }
        }
    }

    private boolean mayStream(Op<?> head) {
        if (singleShotNext) {
            singleShotNext = false;
            return false;
        }
        // recv(into) alone never arms a stream: its caller chose the memory, so READ_FIXED into
        // it beats a copy. Once armed by a pooled recv, recv(into) copies from the inbox.
        return head instanceof RecvOp && loop.multishotRecv();
    }

    /**
     * Completes {@code head} from the inbox's first buffer. The completion runs user stages,
     * which may recv again or close right there, even when it fails (a cancel from another
     * thread won): serving is held off meanwhile, and the inbox is settled after, by the outcome.
     */
    private void hand(Op<?> head) {
        IoBuffer buffer = inbox.peek();
        leave(head);
        if (head instanceof RecvIntoOp into) {
            int from = buffer.readerIndex();
            int count = into.room(buffer.readableBytes());
            boolean emptied = count == buffer.readableBytes();
            buffer.skip(count);
            if (emptied) {
                inbox.poll();
            }
            boolean delivered;
            handing = true; // stages the completion runs only queue their recvs (see handing)
            try {
                delivered = into.offer(Buffers.memory(buffer), from, count);
            } finally {
                handing = false;
            }
            if (delivered) {
                if (emptied) {
                    buffer.release();
                }
            } else if (!closed) {
                buffer.readerIndex(from); // cancelled meanwhile: put the bytes back, they are the next recv's
                if (emptied) {
                    inbox.addFirst(buffer);
                }
            } else if (emptied) {
                buffer.release(); // a stage closed the connection; close() freed only what was still in the inbox
            }
            head.finished();
        } else {
            RecvOp recv = (RecvOp) head;
            inbox.poll();
            boolean delivered;
            handing = true;
            try {
                delivered = recv.offer(buffer);
            } finally {
                handing = false;
            }
            if (!delivered) {
                keep(buffer); // cancelled meanwhile: the data is the next recv's (or freed, if a stage closed)
            }
            head.finished();
        }
    }

    private void leave(Op<?> head) {
        waiting.remove(head);
        loop.unwatchDeadline(head);
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
        if (inbox.size() >= INBOX_LIMIT && stream != null && !stream.cancelRequested()) {
            stream.cancelBecause(INBOX_FULL);
            loop.driver().cancel(stream);
        }
    }

    @Override
    public void ended(long res) {
        if (!closed) {
            streamEnd = res;
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
        } else if (op == stream) {
            stream = null;
        } else {
            return false;
        }
        serve();
        return true;
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
        Op<?> op;
        while ((op = waiting.poll()) != null) {
            loop.unwatchDeadline(op);
            EventLoop.abandon(op, "connection closed");
        }
        IoBuffer buffer;
        while ((buffer = inbox.poll()) != null) {
            buffer.release();
        }
        if (single != null) {
            loop.cancelForClose(single);
        }
        if (stream != null) {
            loop.cancelForClose(stream);
        }
    }
}
