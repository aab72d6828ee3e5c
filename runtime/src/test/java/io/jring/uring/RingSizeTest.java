package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ring sizes: the largest SQ the options allow (32768) opens, with its CQ held to the kernel's
 * 65536 instead of the 131072 that "four times the SQ" asks for (which the kernel refused with
 * EINVAL); what the loop describes is what the kernel set up; sizes the kernel cannot take are
 * refused by the options with a message that says the range.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingSizeTest {
    @Test
    void theLargestRingOpensWithTheKernelsLargestCq() throws Exception {
        IoRuntimeOptions options = IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.IO_URING)
                .withRingEntries(32768);
        try (IoRuntime runtime = IoRuntime.open(options)) {
            String line = runtime.describeLoops().getFirst();
            assertTrue(line.contains(" sq=32768 cq=65536 "), line);
        }
    }

    @Test
    void theDescribedSizesAreTheKernels() throws Exception {
        try (RingHarness ring = new RingHarness(8, 8, 0)) {
            assertEquals(8, ring.driver.ring().sqEntries);
            assertEquals(8, ring.driver.ring().cqEntries);
            assertTrue(ring.driver.describe().contains(" sq=8 cq=8 "), ring.driver.describe());
        }
    }

    @Test
    void sizesTheKernelCannotTakeAreRefusedUpFront() {
        for (int entries : new int[] {0, 1, 3, 1000, 65536, -4}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IoRuntimeOptions.defaults().withRingEntries(entries));
            assertTrue(e.getMessage().contains("ringEntries must be a power of two from 2 to 32768")
                    && e.getMessage().contains("got " + entries), e.getMessage());
        }
    }
}
