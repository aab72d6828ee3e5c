package io.jring.loop;

import io.jring.op.Op;
import io.jring.op.OpOwner;
import io.jring.op.Sqe;

/**
 * An action to run on a loop at a set time: kept in the loop's deadline heap beside the ops
 * that wait there, so the loop has one timer mechanism and sleeps no longer than to the first
 * of them. It is an {@link Op} only so that the heap can hold it; it never reaches a driver,
 * and nobody is given its future.
 *
 * <p>The clock starts when the timer is made (on any thread); {@link #start()} and {@link
 * #stop()} run on the loop thread, in either order: a timer stopped first never starts.
 */
final class LoopTimer extends Op<Void> {
    /** The heap tells an op's owner that its deadline passed: for a timer, that is the time to fire. */
    private static final OpOwner FIRES = new OpOwner() {
        @Override
        public void opFinished(Op<?> op) {}

        @Override
        public void deadlinePassed(Op<?> op) {
            ((LoopTimer) op).fire();
        }
    };

    private final EventLoop loop;
    private final Runnable action;
    private boolean stopped;

    LoopTimer(EventLoop loop, long delayNanos, Runnable action) {
        super(loop, FIRES, -1, Math.max(1, delayNanos));
        this.loop = loop;
        this.action = action;
    }

    /** Loads and initializes this class (and its owner) ahead of a time when no descriptor may be free. */
    static void load() {}

    /** Arms the timer (loop thread), unless it was stopped already. */
    void start() {
        if (!stopped) {
            loop.watchDeadline(this);
        }
    }

    /** Disarms the timer (loop thread): the action will not run. */
    void stop() {
        stopped = true;
        loop.unwatchDeadline(this);
    }

    private void fire() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            action.run();
        } catch (RuntimeException | Error e) {
            // It may complete a user's future whose stages throw: that must not stop the loop.
            System.getLogger("io.jring").log(System.Logger.Level.WARNING, "timer action on a loop threw", e);
        }
    }

    @Override
    public String name() {
        return "timer";
    }

    @Override
    public void prepare(Sqe sqe) {
        throw new UnsupportedOperationException("a loop timer is not a kernel operation");
    }

    @Override
    public int interest() {
        throw new UnsupportedOperationException("a loop timer is not a kernel operation");
    }

    @Override
    public long attempt() {
        throw new UnsupportedOperationException("a loop timer is not a kernel operation");
    }

    @Override
    public int complete(long res, int flags) {
        throw new UnsupportedOperationException("a loop timer is not a kernel operation");
    }
}
