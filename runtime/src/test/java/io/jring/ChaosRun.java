package io.jring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every actor of one seeded scenario shares: the problems found so far (the test fails on
 * any), every future the runtime returned, the operations still in flight (so that one actor
 * can cancel another's from inside its own completion stage), and the "other threads" that
 * cancel and close at random moments.
 */
final class ChaosRun implements AutoCloseable {
    final long seed;
    final ChaosFutures futures = new ChaosFutures();
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final Map<CompletableFuture<?>, Connection> sendsInFlight = new ConcurrentHashMap<>();
    private final Map<CompletableFuture<?>, Connection> receivesInFlight = new ConcurrentHashMap<>();
    private final ScheduledExecutorService otherThreads = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "chaos-other-thread");
        thread.setDaemon(true);
        return thread;
    });

    /** What the schedule did, for the log: a run that injected nothing would prove nothing. */
    final LongAdder cancels = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder misuses = new LongAdder();

    ChaosRun(long seed) {
        this.seed = seed;
    }

    void problem(String what) {
        if (problems.size() < 50) { // the first ones say it; a cascade says nothing more
            problems.add(what);
        }
    }

    List<String> problems() {
        return new ArrayList<>(problems);
    }

    /**
     * Runs an actor's step, recording what it throws: a stage's exception would otherwise vanish
     * into a future nobody reads, and the test would pass while the actor silently stopped.
     */
    void guard(String who, Runnable step) {
        try {
            step.run();
        } catch (Throwable t) {
            problem(who + " threw " + t + stackTop(t));
        }
    }

    /** Misuse must throw IllegalStateException at the call; anything else is a problem. */
    void expectIllegalState(String who, String misuse, Runnable call) {
        misuses.increment();
        try {
            call.run();
            problem(who + ": " + misuse + " was allowed; expected IllegalStateException");
        } catch (IllegalStateException expected) {
            // refused at the call, as it must be
        } catch (Throwable t) {
            problem(who + ": " + misuse + " threw " + t + ", expected IllegalStateException" + stackTop(t));
        }
    }

    /** A send, tracked until the end and, while pending, cancellable by any actor. */
    <F extends CompletableFuture<?>> F sendInFlight(String what, Connection on, F future) {
        return inFlight(what, on, future, sendsInFlight);
    }

    /** A receive, tracked until the end and, while pending, cancellable by any actor. */
    <F extends CompletableFuture<?>> F receiveInFlight(String what, Connection on, F future) {
        return inFlight(what, on, future, receivesInFlight);
    }

    private <F extends CompletableFuture<?>> F inFlight(String what, Connection on, F future,
                                                        Map<CompletableFuture<?>, Connection> set) {
        track(what, future);
        set.put(future, on);
        future.whenComplete((value, error) -> set.remove(future));
        return future;
    }

    /** A runtime future that only its own actor may cancel (it checks states that a stranger's cancel would race). */
    <F extends CompletableFuture<?>> F privately(String what, F future) {
        return track(what, future);
    }

    private <F extends CompletableFuture<?>> F track(String what, F future) {
        futures.track(what, future);
        future.whenComplete((value, error) -> {
            Throwable cause = ChaosActor.unwrap(error);
            if (cause instanceof java.util.concurrent.CancellationException) {
                cancelled.increment();
            } else if (cause instanceof java.util.concurrent.TimeoutException) {
                timedOut.increment();
            }
        });
        return future;
    }

    /**
     * Cancels {@code future}, an operation on {@code on}, unless {@code on} is closed by now: then
     * the runtime alone must end the operation, and a cancel would hide an operation it forgot.
     */
    void cancel(Connection on, CompletableFuture<?> future) {
        if (on.isOpen()) {
            cancels.increment();
            future.cancel(true);
        }
    }

    String stats() {
        return cancels.sum() + " cancels (" + cancelled.sum() + " took effect), " + timedOut.sum()
                + " deadlines expired, " + misuses.sum() + " misuses refused";
    }

    /**
     * Cancels another actor's receive (or, if {@code send}, send) still in flight, if there is one.
     * Called from completion stages on a loop thread: when the victim lives on the same loop, its
     * result may already wait in the same batch of completions, the race a cancel must survive.
     */
    void cancelSomeoneElse(boolean send, int pick) {
        List<Map.Entry<CompletableFuture<?>, Connection>> candidates =
                new ArrayList<>((send ? sendsInFlight : receivesInFlight).entrySet());
        if (!candidates.isEmpty()) {
            Map.Entry<CompletableFuture<?>, Connection> victim = candidates.get(Math.floorMod(pick, candidates.size()));
            cancel(victim.getValue(), victim.getKey());
        }
    }

    /** Runs {@code action} on another thread after {@code micros}. */
    void later(long micros, String who, Runnable action) {
        otherThreads.schedule(() -> guard(who, action), micros, TimeUnit.MICROSECONDS);
    }

    private static String stackTop(Throwable t) {
        StackTraceElement[] stack = t.getStackTrace();
        return stack.length == 0 ? "" : " at " + stack[0];
    }

    @Override
    public void close() {
        otherThreads.shutdownNow();
    }
}
