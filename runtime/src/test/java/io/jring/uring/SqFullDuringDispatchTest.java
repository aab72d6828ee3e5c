package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A completion that submits many ops from inside its dispatch, on a ring whose SQ holds two:
 * the driver must submit (never reap) to make room, and every op must complete exactly once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SqFullDuringDispatchTest {
    @Test
    void opsSubmittedFromADispatchEachCompleteOnce() throws Exception {
        try (RingHarness ring = new RingHarness(2, 1024, 0)) {
            List<TestOps.Nop> children = new ArrayList<>();
            TestOps.Nop parent = new TestOps.Nop(ring);
            parent.onComplete = res -> {
                for (int i = 0; i < 200; i++) {
                    TestOps.Nop child = new TestOps.Nop(ring);
                    children.add(child);
                    ring.driver.submit(child); // the SQ is full after two: this must not reap
                }
            };
            ring.driver.submit(parent);
            ring.pollUntil(() -> children.size() == 200 && children.stream().allMatch(c -> c.isDone()), "200 children");
            ring.pollUntil(() -> ring.driver.inFlight() == 0, "nothing in flight");
            ring.assertEndedOnce(parent);
            for (TestOps.Nop child : children) {
                ring.assertEndedOnce(child);
                assertEquals(1, child.completions, "a child got more than one CQE");
                assertEquals(0, child.join());
            }
        }
    }

    /**
     * The same with a CQ of four: the children's CQEs overflow while the parent is still being
     * dispatched, so the kernel may refuse new SQEs until the loop reaps. The driver holds that
     * work and writes it after its next reap: still nothing lost, nothing twice.
     */
    @Test
    void opsSubmittedFromADispatchIntoAnOverflowingCqEachCompleteOnce() throws Exception {
        try (RingHarness ring = new RingHarness(2, 4, 0)) {
            ring.driver.ring().refuseSubmitWhileOverflowed = true; // as kernels before 5.19 do
            int[] mostHeld = new int[1];
            List<TestOps.Nop> children = new ArrayList<>();
            TestOps.Nop parent = new TestOps.Nop(ring);
            parent.onComplete = res -> {
                for (int i = 0; i < 300; i++) {
                    TestOps.Nop child = new TestOps.Nop(ring);
                    children.add(child);
                    ring.driver.submit(child);
                    mostHeld[0] = Math.max(mostHeld[0], ring.driver.held());
                }
            };
            ring.driver.submit(parent);
            ring.pollUntil(() -> children.size() == 300 && children.stream().allMatch(c -> c.isDone()), "300 children");
            ring.pollUntil(() -> ring.driver.inFlight() == 0, "nothing in flight");
            for (TestOps.Nop child : children) {
                ring.assertEndedOnce(child);
                assertEquals(1, child.completions, "a child got more than one CQE");
            }
            assertTrue(mostHeld[0] > 0, "the SQ never stayed full: the held path did not run");
            assertEquals(0, ring.driver.held());
            assertTrue(ring.driver.overflowFlushes() > 0, "the CQ of 4 never overflowed");
        }
    }
}
