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

    boolean idle() {
        return !hasWaiters(false) && !hasWaiters(true);
    }

    boolean inBacklog() {
        return backlogRead || backlogWrite;
    }
}
