package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A CQE carrying the user_data of a slot's earlier occupant (same slot, older generation) is
 * ignored: the op now in that slot sees only its own CQE.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StaleGenerationTest {
    @Test
    void aCompletionForAnEarlierOccupantIsIgnored() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            TestOps.Nop first = new TestOps.Nop(ring);
            ring.driver.submit(first);
            long staleUserData = ring.driver.userDataOf(first);
            ring.pollUntil(first::isDone, "the first op");

            int eventfd = ring.eventfd();
            TestOps.EventfdRead second = new TestOps.EventfdRead(ring, eventfd, 0);
            ring.driver.submit(second);
            long userData = ring.driver.userDataOf(second);
            assertEquals((int) staleUserData, (int) userData, "the second op did not reuse the slot");
            assertNotEquals(staleUserData, userData, "a reused slot kept its generation");

            ring.driver.submitNop(staleUserData); // a CQE for the slot's previous occupant
            TestOps.Nop marker = new TestOps.Nop(ring); // NOPs complete in order: once it is done, so is the stale one
            ring.driver.submit(marker);
            ring.pollUntil(marker::isDone, "the marker after the stale CQE");
            assertEquals(0, second.completions, "the stale CQE reached the slot's new op");
            assertFalse(second.isDone());

            ring.signal(eventfd);
            ring.pollUntil(second::isDone, "the eventfd read");
            assertEquals(8, second.join());
            assertEquals(1, second.completions);
            ring.assertEndedOnce(second);
        }
    }
}
