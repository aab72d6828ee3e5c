package io.jring.uring;

import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static io.jring.bindings.IoUringConstants.IORING_OP_POLL_ADD;
import static io.jring.bindings.IoUringConstants.IORING_OP_READ;

import io.jring.bindings.IoUringConstants;
import io.jring.bindings.Linux;
import io.jring.op.Op;
import io.jring.op.Sqe;
import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;

/** Small ops for ring tests: the completion form only. Each counts the CQEs it is handed. */
final class TestOps {
    private TestOps() {}

    /** Base: counts {@code complete} calls, can run a hook or throw from it, no readiness form. */
    abstract static class Counting extends Op<Integer> {
        int completions;
        IntConsumer onComplete = res -> { };
        RuntimeException throwInComplete;
        RuntimeException throwInPrepare;

        Counting(RingHarness harness, int fd, long timeoutNanos) {
            super(harness, harness, fd, timeoutNanos);
        }

        @Override
        public void prepare(Sqe sqe) {
            if (throwInPrepare != null) {
                throw throwInPrepare;
            }
            prep(sqe);
        }

        abstract void prep(Sqe sqe);

        @Override
        public int complete(long res, int flags) {
            completions++;
            onComplete.accept((int) res);
            if (throwInComplete != null) {
                throw throwInComplete;
            }
            return res < 0 ? fail(res) : deliver((int) res);
        }

        @Override
        public int interest() {
            throw new UnsupportedOperationException("io_uring only");
        }

        @Override
        public long attempt() {
            throw new UnsupportedOperationException("io_uring only");
        }
    }

    /** IORING_OP_NOP: completes at once with 0. */
    static final class Nop extends Counting {
        Nop(RingHarness harness) {
            super(harness, -1, 0);
        }

        @Override
        public String name() {
            return "nop";
        }

        @Override
        void prep(Sqe sqe) {
            sqe.prep(IORING_OP_NOP, -1, 0, 0, 0);
        }
    }

    /** An 8-byte read of an eventfd: pending until someone signals it. */
    static final class EventfdRead extends Counting {
        private final MemorySegment into;
        /** False: the op denies holding its memory, as a buggy op would (for the invariant checker's test). */
        boolean claimsItsMemory = true;

        EventfdRead(RingHarness harness, int eventfd, long timeoutNanos) {
            super(harness, eventfd, timeoutNanos);
            this.into = harness.arena.allocate(8, 8); // lives as long as the harness, past the last CQE
        }

        @Override
        public String name() {
            return "eventfd-read";
        }

        @Override
        void prep(Sqe sqe) {
            sqe.prep(IORING_OP_READ, fd, into.address(), 8, 0);
        }

        @Override
        public boolean holdsMemory(long address, long length) {
            return claimsItsMemory && io.jring.op.Invariants.within(into, address, length);
        }
    }

    /** A multishot poll for readability: a CQE with MORE every time the fd becomes readable. */
    static final class MultishotPoll extends Counting {
        private static final int IORING_POLL_ADD_MULTI = 1;

        MultishotPoll(RingHarness harness, int fd) {
            super(harness, fd, 0);
        }

        @Override
        public String name() {
            return "poll-multishot";
        }

        @Override
        void prep(Sqe sqe) {
            sqe.prep(IORING_OP_POLL_ADD, fd, 0, IORING_POLL_ADD_MULTI, 0).opFlags(Linux.EPOLLIN);
        }

        @Override
        public int complete(long res, int flags) {
            completions++;
            onComplete.accept((int) res);
            if (throwInComplete != null) {
                throw throwInComplete;
            }
            if ((flags & IoUringConstants.IORING_CQE_F_MORE) != 0) {
                return STILL_ARMED;
            }
            return res < 0 ? fail(res) : deliver((int) res);
        }
    }
}
