package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.bindings.LibC;
import io.jring.op.Invariants;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With {@code -Djring.debug.invariants=true} (as every test run here), an op whose SQE names
 * memory it does not hold is never submitted: it fails, the violation is recorded, and the
 * kernel never reads or writes that address. Ending an op twice is refused and recorded.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InvariantCheckerTest {
    @AfterEach
    void forgetTheViolationsCausedHere() {
        Invariants.clear();
    }

    @Test
    void anSqeNamingMemoryItsOpDoesNotHoldIsRefusedBeforeTheKernelSeesIt() throws Exception {
        assertTrue(Invariants.ENABLED, "the build runs tests with -Djring.debug.invariants=true");
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            int eventfd = ring.eventfd();
            ring.signal(eventfd); // readable at once: a read the kernel took would consume it
            TestOps.EventfdRead rogue = new TestOps.EventfdRead(ring, eventfd, 0);
            rogue.claimsItsMemory = false;
            ring.driver.submit(rogue);
            ring.pollUntil(rogue::isDone, "the refused read");
            CompletionException error = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, rogue::join);
            assertInstanceOf(IllegalStateException.class, error.getCause());
            assertTrue(error.getCause().getMessage().contains("memory it does not hold"), error.getCause().getMessage());
            assertEquals(0, rogue.completions, "the kernel ran it");
            ring.assertEndedOnce(rogue);
            assertEquals(1, Invariants.violations().size(), Invariants.violations().toString());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment counter = arena.allocate(8, 8);
                assertEquals(8, LibC.read(eventfd, counter, 8), "the signal should still be there");
            }
        }
    }

    @Test
    void anOpEndedTwiceTellsItsOwnerOnce() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            TestOps.Nop nop = new TestOps.Nop(ring);
            ring.driver.submit(nop);
            ring.pollUntil(nop::isDone, "the nop");
            ring.pollUntil(() -> ring.driver.inFlight() == 0, "the nop's end");
            nop.finished(); // a bug in a driver would do this
            ring.assertEndedOnce(nop);
            assertTrue(Invariants.violations().stream().anyMatch(v -> v.contains("ended twice")), Invariants.violations().toString());
        }
    }
}
