package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Deadlines are the loop's: when one passes it records a TimeoutException on the op and asks
 * the driver to cancel it. Here the data arrives just before, with, or just after that cancel:
 * whichever wins, the op completes exactly once, with the value or a TimeoutException, and the
 * ring is left with nothing in flight. (With DEFER_TASKRUN the kernel runs the read's completion
 * only when the loop enters it again, so a cancel submitted before that enter wins.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadlineCancelRaceTest {
    @Test
    void anOpCancelledAtItsDeadlineAsItsDataArrivesEndsOnce() throws Exception {
        try (RingHarness ring = new RingHarness(8, 64, 0)) {
            int eventfd = ring.eventfd();
            int values = 0;
            int timeouts = 0;
            for (int round = 0; round < 300; round++) {
                TestOps.EventfdRead read = new TestOps.EventfdRead(ring, eventfd, 200_000L);
                ring.driver.submit(read);
                ring.driver.poll(0); // in the kernel now
                switch (round % 4) {
                    case 0 -> { // data first, the deadline in the same submission
                        ring.signal(eventfd);
                        expire(ring, read);
                    }
                    case 1 -> { // the deadline first, data right behind it
                        expire(ring, read);
                        ring.signal(eventfd);
                    }
                    case 2 -> { // data reaped first: the deadline finds the op ended (the loop's heap dropped it)
                        ring.signal(eventfd);
                        ring.pollUntil(read::isDone, "round " + round);
                        assertTrue(!ring.driver.cancel(read) || read.isDone(), "an ended op cannot be cancelled");
                    }
                    default -> { // data, a wait of a few µs, then the deadline
                        ring.signal(eventfd);
                        long until = System.nanoTime() + (round % 7) * 20_000L;
                        while (until - System.nanoTime() > 0) {
                            Thread.onSpinWait();
                        }
                        expire(ring, read);
                    }
                }
                ring.pollUntil(read::isDone, "round " + round);
                ring.pollUntil(() -> ring.driver.inFlight() == 0, "round " + round + " to end");
                ring.assertEndedOnce(read);
                try {
                    assertEquals(8, read.join());
                    values++;
                } catch (CompletionException e) {
                    assertInstanceOf(TimeoutException.class, e.getCause(), "neither a value nor a timeout");
                    timeouts++;
                    ring.drain(eventfd); // the signal nobody read: the next round starts from zero
                }
                assertTrue(read.completions <= 1, "the read got " + read.completions + " CQEs");
            }
            assertEquals(300, values + timeouts);
            System.out.println("deadline cancel race: " + values + " reads won, " + timeouts + " timeouts won");
        }
    }

    /** What the loop does when a deadline passes. */
    private static void expire(RingHarness ring, TestOps.EventfdRead read) {
        read.deadlinePassed();
        assertTrue(ring.driver.cancel(read), "the driver should have the read");
    }
}
