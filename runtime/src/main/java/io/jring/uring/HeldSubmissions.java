package io.jring.uring;

import io.jring.op.Op;
import java.util.ArrayDeque;

/**
 * Submissions the driver could not write because the SQ stayed full after a submit: the kernel
 * takes no new SQEs while completions wait in its CQ overflow list, and only reaping makes
 * room for those. Reaping from inside a dispatch would run completions re-entrantly (a CQE
 * dispatched twice, the CQ head moved backwards), so the work waits here instead, in order,
 * and the loop writes it after its next reap ({@code UringDriver.poll}).
 *
 * <p>Only ops are kept, never SQE bytes: an op's SQE is written when its turn comes, with its
 * deadline as it is then.
 */
final class HeldSubmissions {
    /** Ops whose SQE is still to be written, oldest first. */
    private final ArrayDeque<Op<?>> writes = new ArrayDeque<>();
    /** Ops in the kernel whose cancel request is still to be written. */
    private final ArrayDeque<Op<?>> cancels = new ArrayDeque<>();
    /** The eventfd read that wakes the loop is still to be re-armed. */
    boolean wakeup;

    boolean isEmpty() {
        return writes.isEmpty() && cancels.isEmpty() && !wakeup;
    }

    void write(Op<?> op) {
        writes.addLast(op);
    }

    void cancel(Op<?> op) {
        cancels.addLast(op);
    }

    /** Takes {@code op} out if it waits here to be written (so the kernel never saw it). */
    boolean forget(Op<?> op) {
        return !writes.isEmpty() && writes.removeFirstOccurrence(op);
    }

    Op<?> nextWrite() {
        return writes.peekFirst();
    }

    void wrote() {
        writes.removeFirst();
    }

    Op<?> nextCancel() {
        return cancels.peekFirst();
    }

    void cancelled() {
        cancels.removeFirst();
    }

    int size() {
        return writes.size() + cancels.size() + (wakeup ? 1 : 0);
    }
}
