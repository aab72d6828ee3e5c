package io.jring.loop;

import io.jring.Datagram;
import io.jring.op.DatagramRecvOp;
import io.jring.op.DatagramSink;
import io.jring.op.Op;
import io.jring.op.OpOwner;
import io.jring.op.RecvmsgStreamOp;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;

/**
 * The receiving side of one datagram endpoint, loop thread only: {@link Receiver}'s state
 * machine for whole datagrams instead of stream bytes.
 *
 * <pre>
 *   IDLE ──(recv(), datagram ring on this loop)──▶ STREAMING ──(inbox reached INBOX_LIMIT)──▶ PAUSED
 *     │  ◀─────────(the stream's last CQE: error, ENOBUFS, or the pause's ECANCELED)─────────┘
 *     └──(epoll, single-shot, or after ENOBUFS)──▶ SINGLE ──(its completion)──▶ IDLE
 * </pre>
 *
 * Receives complete in call order, each exactly once. Each datagram goes to one receive whole:
 * a receive cancelled just as its datagram came gives it to the next. What arrives with nobody
 * waiting waits in the inbox, at most {@value #INBOX_LIMIT} datagrams (plus what one kernel
 * wakeup brings) before the stream is paused and the rest waits in the socket's receive
 * buffer, where the kernel drops what does not fit, as UDP does. An error the stream ends with
 * (ECONNREFUSED after a connected peer's port unreachable, say) fails one receive; the next
 * receives again.
 */
final class DatagramReceiver implements DatagramSink {
    static final int INBOX_LIMIT = 8;
    private static final long NO_ERROR = 1;
    private static final CancellationException INBOX_FULL = new CancellationException("inbox full") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private enum Kernel { IDLE, SINGLE, STREAMING, PAUSED }

    private final EventLoop loop;
    private final OpOwner owner;
    private final int fd;
    private final ArrayDeque<DatagramRecvOp> waiting = new ArrayDeque<>();
    private final ArrayDeque<Datagram> inbox = new ArrayDeque<>();
    private Kernel kernel = Kernel.IDLE;
    private DatagramRecvOp single;
    private RecvmsgStreamOp stream;
    /** -errno the stream ended with, owed to the next receive once the inbox is empty. */
    private long pendingError = NO_ERROR;
    private boolean singleShotNext;
    private boolean closed;
    /** A receive is being completed (its stages may receive again: they only queue meanwhile). */
    private boolean handing;

    DatagramReceiver(EventLoop loop, OpOwner owner, int fd) {
        this.loop = loop;
        this.owner = owner;
        this.fd = fd;
    }

    void admit(DatagramRecvOp op) {
        waiting.add(op);
        loop.watchDeadline(op);
        serve();
    }

    boolean busy() {
        return kernel != Kernel.IDLE;
    }

    private void serve() {
        while (!waiting.isEmpty() && kernel != Kernel.SINGLE && !closed && !handing) {
            DatagramRecvOp head = waiting.peek();
            if (head.isDone()) { // cancelled while it waited
                waiting.poll();
                loop.endWaiting(head);
            } else if (!inbox.isEmpty()) {
                hand(head);
            } else if (pendingError != NO_ERROR) {
                deliverError(head);
            } else if (kernel == Kernel.STREAMING || kernel == Kernel.PAUSED) {
                return; // the next datagram is the head's
            } else if (mayStream()) {
                stream = new RecvmsgStreamOp(loop, owner, fd, this, loop.datagramBufferGroup());
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

    private void hand(DatagramRecvOp head) {
        Datagram datagram = inbox.poll();
        leave(head);
        boolean took;
        handing = true;
        try {
            took = head.takeFrom(datagram);
        } finally {
            handing = false;
        }
        if (!took) {
            if (closed) {
                datagram.release();
            } else {
                inbox.addFirst(datagram); // cancelled meanwhile: the next receive gets it
            }
        }
        head.finished();
    }

    private void deliverError(DatagramRecvOp head) {
        long error = pendingError;
        pendingError = NO_ERROR;
        leave(head);
        handing = true;
        try {
            head.complete(error, 0); // fails it with the errno, naming recvmsg
        } finally {
            handing = false;
        }
        head.finished();
    }

    private boolean mayStream() {
        if (singleShotNext) {
            singleShotNext = false;
            return false;
        }
        return loop.datagramBufferGroup() >= 0;
    }

    private void leave(DatagramRecvOp head) {
        waiting.remove(head);
        loop.unwatchDeadline(head);
    }

    // ---- the stream's results ----------------------------------------------------------------

    @Override
    public void received(Datagram datagram) {
        if (closed) {
            datagram.release();
            return;
        }
        inbox.add(datagram);
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
            pendingError = res;
        }
    }

    @Override
    public void outOfBuffers() {
        singleShotNext = true;
    }

    @Override
    public void keep(Datagram datagram) {
        if (closed) {
            datagram.release();
        } else {
            inbox.addFirst(datagram);
        }
    }

    // ---- ends --------------------------------------------------------------------------------

    /** An op of this side left the kernel: serve whoever waits next. False if it is not this side's. */
    boolean opFinished(Op<?> op) {
        if (op == single) {
            single = null;
        } else if (op == stream) {
            stream = null; // whatever stopped it, the next receive arms a new one
        } else {
            return false;
        }
        kernel = Kernel.IDLE;
        serve();
        return true;
    }

    /** A waiting receive's deadline passed, or the user cancelled it: it ends without the kernel. */
    void endWaiting(Op<?> op) {
        if (waiting.remove(op)) {
            loop.endWaiting(op);
        }
    }

    void close() {
        closed = true;
        Op<?> op;
        while ((op = waiting.poll()) != null) {
            loop.unwatchDeadline(op);
            EventLoop.abandon(op, "datagram endpoint closed");
        }
        Datagram datagram;
        while ((datagram = inbox.poll()) != null) {
            datagram.release();
        }
        switch (kernel) {
            case SINGLE -> loop.cancelForClose(single);
            case STREAMING, PAUSED -> loop.cancelForClose(stream);
            case IDLE -> { }
        }
    }
}
