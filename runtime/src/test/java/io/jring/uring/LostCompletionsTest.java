package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the kernel drops completions (cq.koverflow rises or io_uring_enter answers EBADR; the
 * kernel does so only when out of memory, so the test runs the driver's handling directly):
 * every op in flight fails at once with an error naming the cause, each is cancelled in the
 * kernel and ends there once, and the ring, its wakeup included, goes on serving.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LostCompletionsTest {
    @Test
    void everyOpInFlightFailsLoudlyAndTheRingGoesOn() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            int eventfd = ring.eventfd();
            TestOps.EventfdRead read = new TestOps.EventfdRead(ring, eventfd, 0);
            TestOps.MultishotPoll poll = new TestOps.MultishotPoll(ring, ring.eventfd());
            ring.driver.submit(read);
            ring.driver.submit(poll);
            ring.driver.poll(0);

            ring.driver.simulateLostCompletions();
            for (TestOps.Counting op : new TestOps.Counting[] {read, poll}) {
                assertTrue(op.isDone(), op.name() + " still waits after completions were lost");
                Throwable cause = assertThrows(CompletionException.class, op::join).getCause();
                assertInstanceOf(IOException.class, cause);
                assertTrue(cause.getMessage().contains("dropped completions"), cause.getMessage());
            }
            ring.pollUntil(() -> ring.driver.inFlight() == 0, "the cancelled ops' last CQEs");
            ring.assertEndedOnce(read);
            ring.assertEndedOnce(poll);
            assertTrue(ring.driver.describe().contains("completions-lost"), ring.driver.describe());

            TestOps.EventfdRead next = new TestOps.EventfdRead(ring, eventfd, 0);
            ring.driver.submit(next);
            ring.driver.poll(0);
            ring.signal(eventfd);
            ring.pollUntil(next::isDone, "an op after the loss");
            assertEquals(8, next.join());

            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ring.driver.wakeup();
            });
            ring.driver.poll(-1); // returns only if the wakeup still reaches the ring
            waker.join();
        }
    }
}
