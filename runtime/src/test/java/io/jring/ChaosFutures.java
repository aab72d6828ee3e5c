package io.jring;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every future the chaos test got from the runtime, so that the end of a scenario can prove
 * each one completed, and exactly once: a future left pending after its connection closed is
 * an operation the runtime forgot, and one whose stages ran twice is one it completed twice.
 */
final class ChaosFutures {
    private record Tracked(String what, CompletableFuture<?> future, AtomicInteger completions) {}

    private final ConcurrentLinkedQueue<Tracked> all = new ConcurrentLinkedQueue<>();

    /** Registers {@code future} (described by {@code what}) and returns it. */
    <F extends CompletableFuture<?>> F track(String what, F future) {
        AtomicInteger completions = new AtomicInteger();
        future.whenComplete((value, error) -> completions.incrementAndGet());
        all.add(new Tracked(what, future, completions));
        return future;
    }

    int size() {
        return all.size();
    }

    /**
     * Waits up to {@code millis} for every tracked future to complete, then names those that
     * did not, and those whose completion stages ran other than once.
     */
    List<String> problemsAfter(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline && all.stream().anyMatch(t -> t.completions.get() == 0)) {
            Thread.sleep(10);
        }
        List<String> problems = new ArrayList<>();
        for (Tracked t : all) {
            // Counted by a stage, which runs just after the future is done: both must have happened.
            if (!t.future.isDone() || t.completions.get() == 0) {
                problems.add(t.what + " still pending " + millis + " ms after every connection closed: " + t.future);
            } else if (t.completions.get() != 1) {
                problems.add(t.what + " completed " + t.completions.get() + " times");
            }
        }
        return problems;
    }
}
