package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An op that throws from {@code complete} or {@code prepare} fails with what it threw, ends
 * exactly once, and the ring goes on serving the next op. A multishot op that throws while the
 * kernel keeps it armed is cancelled first and ends only at its last CQE.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExceptionInCompleteTest {
    @Test
    void throwingInCompleteFailsThatOpOnly() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            TestOps.Nop bad = new TestOps.Nop(ring);
            bad.throwInComplete = new IllegalStateException("bug in complete");
            ring.driver.submit(bad);
            ring.pollUntil(bad::isDone, "the throwing op");
            assertSame(bad.throwInComplete, failure(bad));
            ring.assertEndedOnce(bad);
            assertNextOpWorks(ring);
        }
    }

    @Test
    void throwingInPrepareFailsThatOpOnly() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            TestOps.Nop bad = new TestOps.Nop(ring);
            bad.throwInPrepare = new IllegalArgumentException("bug in prepare");
            ring.driver.submit(bad);
            assertSame(bad.throwInPrepare, failure(bad), "prepare's exception did not fail the op at once");
            ring.assertEndedOnce(bad);
            assertEquals(0, bad.completions);
            assertNextOpWorks(ring);
        }
    }

    @Test
    void throwingFromAnArmedMultishotOpCancelsItFirst() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            int eventfd = ring.eventfd();
            TestOps.MultishotPoll poll = new TestOps.MultishotPoll(ring, eventfd);
            poll.throwInComplete = new IllegalStateException("bug in a multishot complete");
            ring.driver.submit(poll);
            ring.driver.poll(0);
            ring.signal(eventfd); // a CQE with MORE: complete throws while the kernel keeps the poll armed
            ring.pollUntil(poll::isDone, "the multishot op to fail");
            ring.pollUntil(() -> ring.driver.inFlight() == 0, "the multishot op's last CQE");
            assertSame(poll.throwInComplete, failure(poll));
            assertEquals(1, poll.completions, "complete ran again after it threw");
            ring.assertEndedOnce(poll);
            assertNextOpWorks(ring);
        }
    }

    @Test
    void throwingFromTheUsersStagesStaysInTheirFuture() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            TestOps.Nop nop = new TestOps.Nop(ring);
            var stage = nop.thenApply(v -> {
                throw new IllegalStateException("bug in a user's stage");
            });
            ring.driver.submit(nop);
            ring.pollUntil(stage::isDone, "the user's stage");
            assertEquals(0, nop.join());
            assertTrue(stage.isCompletedExceptionally());
            ring.assertEndedOnce(nop);
            assertNextOpWorks(ring);
        }
    }

    private static Throwable failure(TestOps.Counting op) {
        assertTrue(op.isDone(), op.name() + " is not done");
        return assertThrows(CompletionException.class, op::join).getCause();
    }

    private static void assertNextOpWorks(RingHarness ring) {
        TestOps.Nop next = new TestOps.Nop(ring);
        ring.driver.submit(next);
        ring.pollUntil(next::isDone, "the next op");
        assertEquals(0, next.join());
        ring.assertEndedOnce(next);
    }
}
