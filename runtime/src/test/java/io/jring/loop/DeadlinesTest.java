package io.jring.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jring.op.Op;
import io.jring.op.Sqe;
import io.jring.op.StubOpContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The loop's deadline heap against a PriorityQueue: random adds, removals from the middle and
 * expiries, with deadlines close to where System.nanoTime() wraps. Each op's index must stay
 * true, since removal trusts it.
 */
class DeadlinesTest {

    @Test
    void behavesLikeAPriorityQueueUnderRandomAddsRemovalsAndExpiries() {
        SplittableRandom random = new SplittableRandom(42);
        long origin = Long.MAX_VALUE - 500_000; // deadlines straddle the wrap of nanoTime
        Deadlines heap = new Deadlines();
        PriorityQueue<TimedOp> model = new PriorityQueue<>(
                Comparator.comparingLong((TimedOp op) -> op.deadlineNanos() - origin));
        List<TimedOp> live = new ArrayList<>();
        long now = origin;
        for (int step = 0; step < 20_000; step++) {
            int action = random.nextInt(10);
            if (action < 5) {
                TimedOp op = new TimedOp(now + 1 + random.nextInt(1_000_000));
                heap.add(op);
                model.add(op);
                live.add(op);
            } else if (action < 8 && !live.isEmpty()) {
                TimedOp op = live.remove(random.nextInt(live.size()));
                heap.remove(op);
                model.remove(op);
                assertEquals(-1, op.deadlineIndex());
                heap.remove(op); // a second removal is harmless
            } else {
                now += random.nextInt(200_000);
                Op<?> expired;
                while ((expired = heap.pollExpired(now)) != null) {
                    assertSame(model.poll(), expired, "expired out of order at step " + step);
                    live.remove(expired);
                }
                TimedOp next = model.peek();
                assertEquals(next == null ? -1 : Math.max(0, next.deadlineNanos() - now), heap.nanosToNext(now));
            }
            assertEquals(model.size(), heap.size());
        }
        while (!model.isEmpty()) {
            assertSame(model.poll(), heap.pollExpired(now + 2_000_000)); // past every deadline
        }
        assertNull(heap.pollExpired(now));
        assertEquals(-1, heap.nanosToNext(now));
    }

    /** An op that only has a deadline. */
    private static final class TimedOp extends Op<Void> {
        private final long deadline;

        TimedOp(long deadline) {
            super(new StubOpContext(null, false), null, -1, 0);
            this.deadline = deadline;
        }

        @Override public long deadlineNanos() { return deadline; }
        @Override public String name() { return "timed"; }
        @Override public void prepare(Sqe sqe) {}
        @Override public int interest() { return 0; }
        @Override public long attempt() { return 0; }
        @Override public int complete(long res, int flags) { return FINISHED; }
    }
}
