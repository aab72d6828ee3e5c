package io.jring.uring;

import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.bindings.IoUringAbi;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Ring#nextSqe()} reuses a few SQE slots through the SQ array instead of walking all of
 * them: once the kernel has consumed every SQE written, the next goes to slot 0 again; while
 * some are still unconsumed, the slots they sit in are never handed out, so each SQE reaches
 * the kernel as written. Checked on a real ring, through the NOPs' user_data in their CQEs.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SqeSlotRotationTest {
    private static final int ENTRIES = 4;

    @Test
    void afterEveryFullSubmitTheNextSqeTakesSlotZeroAgain() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Ring ring = Ring.open(arena, ENTRIES, 4 * ENTRIES);
            try {
                SqeCursor cursor = new SqeCursor(ring.sqes());
                List<Long> expected = new ArrayList<>();
                for (int round = 0; round < 3 * ENTRIES; round++) {
                    for (int i = 0; i < 3; i++) {
                        long slot = ring.nextSqe() / IoUringAbi.SQE_SIZE;
                        assertEquals(i, slot, "SQE " + i + " of round " + round);
                        nop(cursor, slot, 1000L * round + i, expected);
                    }
                    assertEquals(3, ring.enter(0, false), "round " + round + ": every SQE consumed");
                    reapInto(ring, expected.size());
                }
                assertEquals(expected, reaped, "each NOP completed once, with its own user_data");
            } finally {
                ring.exit();
            }
        }
    }

    @Test
    void slotsOfSqesTheKernelHasNotReadAreNeverHandedOut() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Ring ring = Ring.open(arena, ENTRIES, 4 * ENTRIES);
            try {
                SqeCursor cursor = new SqeCursor(ring.sqes());
                List<Long> expected = new ArrayList<>();
                for (long id = 1; id <= 3; id++) {
                    nop(cursor, ring.nextSqe() / IoUringAbi.SQE_SIZE, id, expected); // slots 0, 1, 2
                }
                assertEquals(1, ring.submitAtMost(1), "the kernel takes the first only");
                List<Long> slots = new ArrayList<>();
                for (long id = 4; id <= 5; id++) { // 2 and 3 still wait in slots 1 and 2
                    long slot = ring.nextSqe() / IoUringAbi.SQE_SIZE;
                    slots.add(slot);
                    nop(cursor, slot, id, expected);
                }
                assertEquals(List.of(3L, 0L), slots, "only slots the kernel has read are reused");
                assertEquals(0, ring.sqSpace(), "four SQEs wait");
                assertEquals(4, ring.enter(0, false));
                reapInto(ring, 5);
                assertEquals(expected, reaped, "every NOP reached the kernel as written, once");
                assertTrue(ring.nextSqe() == 0, "all consumed: slot 0 again");
            } finally {
                ring.exit();
            }
        }
    }

    private final List<Long> reaped = new ArrayList<>();

    private static void nop(SqeCursor cursor, long slot, long userData, List<Long> expected) {
        cursor.at(slot * IoUringAbi.SQE_SIZE).prep(IORING_OP_NOP, -1, 0, 0, 0);
        cursor.userData(userData);
        expected.add(userData);
    }

    /** Reaps CQEs until {@code total} have been seen in all, waiting for them as needed. */
    private void reapInto(Ring ring, int total) {
        int head = ring.cqHead();
        while (reaped.size() < total) {
            if (ring.cqReady() == 0) {
                ring.enter(1, true);
                continue;
            }
            long at = ring.cqeOffset(head);
            assertEquals(0, ring.cqeRes(at), "a NOP succeeds");
            reaped.add(ring.cqeUserData(at));
            ring.cqAdvanceTo(++head);
        }
    }
}
