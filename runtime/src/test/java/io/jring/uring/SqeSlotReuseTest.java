package io.jring.uring;

import static io.jring.bindings.IoUringConstants.IORING_OP_READ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.op.Invariants;
import io.jring.op.Sqe;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SQE slots are not zeroed when the ring hands them out again ({@link Ring#nextSqe()}): prep
 * writes every field. An op that sets few fields, in a slot whose last occupant set them all to
 * values the kernel refuses, must reach the kernel with none of them.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SqeSlotReuseTest {
    private static final int IOSQE_FIXED_FILE = 1;

    /** A read of the eventfd with every field the cursor has a setter for set to junk: the kernel fails it. */
    static final class DirtyRead extends TestOps.Counting {
        private final MemorySegment into;

        DirtyRead(RingHarness harness, int fd) {
            super(harness, fd, 0);
            this.into = harness.arena.allocate(8, 8); // lives as long as the harness, past the last CQE
        }

        @Override
        public boolean holdsMemory(long address, long length) {
            return Invariants.within(into, address, length);
        }

        @Override
        public String name() {
            return "dirty-read";
        }

        @Override
        void prep(Sqe sqe) {
            sqe.prep(IORING_OP_READ, fd, into.address(), 8, 0x7777L)
                    .sqeFlags(IOSQE_FIXED_FILE) // no files are registered: EBADF if it stayed
                    .ioprio(0xffff)            // no such I/O priority class: EINVAL if it stayed
                    .opFlags(0xfffffff0)       // unknown RWF_ flags: EOPNOTSUPP if they stayed
                    .bufIndex(0x5555)
                    .spliceFdIn(0x3333);
        }
    }

    @Test
    void aReusedSlotCarriesNothingOfItsLastOccupant() throws Exception {
        int entries = 4;
        try (RingHarness ring = new RingHarness(entries, 16, 0)) {
            int eventfd = ring.eventfd();
            List<DirtyRead> dirty = new ArrayList<>();
            for (int i = 0; i < 2 * entries; i++) { // every slot, twice over
                DirtyRead op = new DirtyRead(ring, eventfd);
                dirty.add(op);
                ring.driver.submit(op);
            }
            ring.pollUntil(() -> dirty.stream().allMatch(DirtyRead::isDone), "the junk reads");
            for (DirtyRead op : dirty) {
                assertTrue(op.isCompletedExceptionally(), "the kernel took a read with junk fields");
            }
            for (int i = 0; i < 2 * entries; i++) { // each slot again, after the junk
                TestOps.EventfdRead read = new TestOps.EventfdRead(ring, eventfd, 0);
                ring.signal(eventfd);
                ring.driver.submit(read);
                ring.pollUntil(read::isDone, "read " + i);
                assertEquals(8, read.join(), "read " + i + " in a reused slot");
                ring.assertEndedOnce(read);
            }
        }
    }
}
