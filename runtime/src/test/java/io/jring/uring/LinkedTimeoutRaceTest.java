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
 * A read with a 200 µs linked timeout, and the data arriving anywhere from at once to well after
 * that: whichever wins, the op completes exactly once, with the value or a TimeoutException, and
 * the ring is left with nothing in flight. Which one wins each round is not checked (timing).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkedTimeoutRaceTest {
    @Test
    void anOpAndItsLinkedTimeoutEndItOnce() throws Exception {
        try (RingHarness ring = new RingHarness(8, 64, 0)) {
            int eventfd = ring.eventfd();
            int values = 0;
            int timeouts = 0;
            for (int round = 0; round < 300; round++) {
                TestOps.EventfdRead read = new TestOps.EventfdRead(ring, eventfd, 200_000L);
                ring.driver.submit(read);
                // Waits in the kernel (where DEFER_TASKRUN runs the timeout's work) for 0 to 360 µs;
                // a poll returns at any CQE (the last round's timeout, say), so wait again until then.
                long until = System.nanoTime() + (round % 7) * 60_000L;
                ring.driver.poll(0);
                while (!read.isDone() && until - System.nanoTime() > 0) {
                    ring.driver.poll(until - System.nanoTime());
                }
                ring.signal(eventfd);
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
            System.out.println("linked timeout race: " + values + " reads won, " + timeouts + " timeouts won");
        }
    }
}
