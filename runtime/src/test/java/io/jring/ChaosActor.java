package io.jring;

import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * One side of one stream on a jring connection, driven as a chain of steps: each step issues
 * operations, and the completion of its last one runs the next step. Exactly one step runs at
 * a time, so an actor needs no lock even though its steps run on the loop thread, on the
 * thread that cancelled an operation, or on a chaos thread.
 *
 * <p>Steps that issue operations always run on the connection's loop thread: there, an
 * operation cannot complete between the call and the registration of its stage, so stages run
 * in completion order, which is call order.
 */
abstract class ChaosActor {
    /** How deep steps may call each other directly from completion stages before hopping through the loop. */
    private static final int MAX_DIRECT_DEPTH = 8;

    final ChaosRun run;
    final ChaosLink link;
    final Connection connection;
    final ChaosStream stream;
    final SplittableRandom random;
    final String name;
    /** The step at which this actor closes its connection mid-stream, or -1. */
    final int closeAtStep;
    private volatile Thread loopThread;
    private int depth;
    int steps;
    private volatile boolean done;
    private volatile String doing = "not started";

    ChaosActor(ChaosRun run, ChaosLink link, Connection connection, ChaosStream stream, SplittableRandom random,
               String name, int closeAtStep) {
        this.run = run;
        this.link = link;
        this.connection = connection;
        this.stream = stream;
        this.random = random;
        this.name = name + " [seed " + run.seed + "]";
        this.closeAtStep = closeAtStep;
    }

    /** Issues this step's operations; must end by arranging {@link #next()} or calling {@link #finish}. */
    abstract void step();

    final void start() {
        connection.executor().execute(() -> {
            loopThread = Thread.currentThread();
            runStep();
        });
    }

    /** Runs the next step: right here if on the loop thread (a call from inside a stage), else on the loop. */
    final void next() {
        if (Thread.currentThread() == loopThread && depth < MAX_DIRECT_DEPTH && random.nextBoolean()) {
            depth++;
            try {
                runStep();
            } finally {
                depth--;
            }
        } else {
            connection.executor().execute(this::runStep);
        }
    }

    /** Runs the next step on the loop after a pause of {@code micros}: receivers then wait, and deadlines expire. */
    final void nextAfter(long micros) {
        run.later(micros, name, () -> connection.executor().execute(this::runStep));
    }

    private void runStep() {
        if (!done) {
            run.guard(name, this::step);
        }
    }

    final void doing(String what) {
        doing = what;
    }

    final void finish(String how) {
        doing = "finished: " + how;
        done = true;
    }

    final boolean isDone() {
        return done;
    }

    /** Closes the connection mid-stream, from the loop or from another thread. */
    final void closeMidStream() {
        link.disrupt(name + " closed it at step " + steps);
        finish("closed the connection");
        if (random.nextBoolean()) {
            run.privately(name + " close()", connection.close());
        } else {
            run.later(random.nextInt(500), name, () -> run.privately(name + " close()", connection.close()));
        }
    }

    /**
     * An operation failed: a cancel or a deadline (the test's own doing) lets the actor go on;
     * anything else ends it, and on a link nobody disrupted is a problem.
     */
    final boolean isOurOwnDoing(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof CancellationException || cause instanceof TimeoutException;
    }

    final void stoppedBy(Throwable error) {
        Throwable cause = unwrap(error);
        finish("stopped by " + cause);
        if (!link.disrupted()) {
            // Checked again at the end, when the link's disruption (which may come just after) is known.
            unexpected = cause;
        }
    }

    /** A failure seen while the link was not (yet) disrupted; a problem if it never was. */
    volatile Throwable unexpected;

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** A tiny deadline that will usually expire, or a generous one that should not. */
    final java.time.Duration deadline() {
        return random.nextInt(3) == 0 ? java.time.Duration.ofSeconds(20)
                : java.time.Duration.ofMillis(1 + random.nextInt(3));
    }

    @Override
    public String toString() {
        return name + " on " + link + ", step " + steps + ": " + doing;
    }
}
