package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A CQ of eight and five hundred NOPs submitted before the loop reaps: the kernel keeps what
 * does not fit in its overflow list ({@code IORING_SQ_CQ_OVERFLOW}), the driver flushes it and
 * counts it, and every NOP completes exactly once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CqOverflowTest {
    @Test
    void overflowedCompletionsAreFlushedNotLost() throws Exception {
        try (RingHarness ring = new RingHarness(8, 8, 0)) {
            List<TestOps.Nop> nops = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                TestOps.Nop nop = new TestOps.Nop(ring);
                nops.add(nop);
                ring.driver.submit(nop); // every 8 the SQ is submitted: the CQEs pile up unreaped
            }
            assertTrue(ring.driver.ring().cqOverflowPending(), "500 NOPs into a CQ of 8 did not overflow");
            ring.pollUntil(() -> nops.stream().allMatch(TestOps.Nop::isDone), "500 NOPs");
            for (TestOps.Nop nop : nops) {
                ring.assertEndedOnce(nop);
                assertEquals(1, nop.completions);
            }
            assertTrue(ring.driver.overflowFlushes() > 0, "overflow not counted");
            assertTrue(ring.driver.describe().contains("cq-overflows=" + ring.driver.overflowFlushes()),
                    ring.driver.describe());
            assertEquals(0, ring.driver.ring().cqDropped(), "the kernel dropped completions");
        }
    }
}
