package io.jring.epoll;

import io.jring.bindings.Linux;
import io.jring.op.Op;
import java.util.ArrayDeque;

/**
 * What the epoll driver knows about one descriptor number: the ops parked on it, waiting for
 * it to become readable or writable, and which registration its epoll events belong to.
 *
 * <p>The object outlives the descriptor: it is kept per number and reused when the kernel
 * hands the number out again. {@code Driver.closing} resets it in between, and events carry
 * {@link #generation} so that those of the old descriptor still in flight are recognized.
 *
 * <p><b>Readiness.</b> Per direction, whether the descriptor may be ready ({@link #readReady},
 * {@link #writeReady}): set when epoll reports the direction ready, cleared when a syscall
 * answers EAGAIN or its result shows the direction drained ({@code Op.drainedBy}: a short
 * read or write). A data transfer op of a direction known not ready parks at once, without a
 * syscall that would only answer EAGAIN. A fresh number starts as "maybe ready" on both sides.
 */
final class FdState {
    final int fd;
    /**
     * Our epoll set holds the descriptor now open under this number: set by a successful
     * EPOLL_CTL_ADD, cleared by {@code closing} or by the removal of an idle listener. While
     * set, parking an op here costs no syscall.
     */
    boolean registered;
    /** Tags our latest successful EPOLL_CTL_ADD for this number; 0 while unregistered. Events of others are stale. */
    int generation;
    /** Our registration is a listening socket's: removed once no accept waits on it here. */
    boolean listenerRegistered;
    /** Queued to be removed from the epoll set before the next wait, if still idle then. */
    boolean unregisterPending;
    /** Set while this fd sits in the driver's backlog: a direction whose serving ran out of budget. */
    boolean backlogRead;
    boolean backlogWrite;
    /** May be readable: no EAGAIN and no short read since epoll said so (or the number was fresh). */
    boolean readReady = true;
    /** May be writable: no EAGAIN and no short write since epoll said so (or the number was fresh). */
    boolean writeReady = true;
    /**
     * Readiness edges epoll has reported, per direction, and their count when a data transfer
     * went to the blocking pool (a sendfile). A transfer that answers EAGAIN from the pool may
     * have met a full socket before an edge the loop has already taken: then the descriptor is
     * writable again, no further edge will come, and parking would wait forever.
     */
    long readEdges;
    long writeEdges;
    long edgesAtOffload;
    /**
     * Epoll reported a hang-up or error (EPOLLRDHUP, EPOLLHUP, EPOLLERR): reads end at once from
     * now on (end of stream or the error), and that edge does not come again, so a short read no
     * longer means the reader must wait. E.g. the peer's last bytes and its FIN arrive together:
     * the read that takes the bytes is short, yet the next one must be tried to see the end.
     */
    boolean hungUp;
    private ArrayDeque<Op<?>> readers;
    private ArrayDeque<Op<?>> writers;

    FdState(int fd) {
        this.fd = fd;
    }

    static boolean wantsWrite(Op<?> op) {
        return (op.interest() & Linux.EPOLLOUT) != 0;
    }

    /** The ops waiting for one direction, oldest first (created on first use). */
    ArrayDeque<Op<?>> waiters(boolean write) {
        if (write) {
            return writers != null ? writers : (writers = new ArrayDeque<>(2));
        }
        return readers != null ? readers : (readers = new ArrayDeque<>(2));
    }

    Op<?> first(boolean write) {
        ArrayDeque<Op<?>> list = write ? writers : readers;
        return list == null ? null : list.peekFirst();
    }

    boolean hasWaiters(boolean write) {
        ArrayDeque<Op<?>> list = write ? writers : readers;
        return list != null && !list.isEmpty();
    }

    long edges(boolean write) {
        return write ? writeEdges : readEdges;
    }

    boolean ready(boolean write) {
        return write ? writeReady : readReady;
    }

    void notReady(boolean write) {
        if (write) {
            writeReady = false;
        } else {
            readReady = false;
        }
    }

    /** A new descriptor under this number: nothing known about it yet. */
    void resetReadiness() {
        readReady = true;
        writeReady = true;
        hungUp = false;
    }

    boolean idle() {
        return !hasWaiters(false) && !hasWaiters(true);
    }

    boolean inBacklog() {
        return backlogRead || backlogWrite;
    }
}
