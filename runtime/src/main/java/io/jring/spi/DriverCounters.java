package io.jring.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a driver has asked of the kernel so far, for {@code IoRuntime.stats()} and the
 * {@code jring.LoopStatistics} JFR event. Written only by the loop thread, read by any thread.
 *
 * <p>Why opaque stores and loads: the writer is always the same thread, so an increment is a
 * plain read of its own field plus an opaque store (on x86-64 and aarch64 the same instruction
 * as a plain store: no fence, no lock, nothing allocated), and a reader on another thread is
 * guaranteed an untorn, recent value. Each counter is exact and only grows; several counters
 * read one after the other are not one atomic cut (an operation may land between two reads),
 * which monitoring does not need.
 */
public final class DriverCounters {
    private static final VarHandle SUBMITTED;
    private static final VarHandle COMPLETED;
    private static final VarHandle ENTER_CALLS;
    private static final VarHandle CQ_OVERFLOWS;
    private static final VarHandle ZERO_COPY_SENDS;
    private static final VarHandle ZERO_COPY_COPIED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SUBMITTED = lookup.findVarHandle(DriverCounters.class, "submitted", long.class);
            COMPLETED = lookup.findVarHandle(DriverCounters.class, "completed", long.class);
            ENTER_CALLS = lookup.findVarHandle(DriverCounters.class, "enterCalls", long.class);
            CQ_OVERFLOWS = lookup.findVarHandle(DriverCounters.class, "cqOverflows", long.class);
            ZERO_COPY_SENDS = lookup.findVarHandle(DriverCounters.class, "zeroCopySends", long.class);
            ZERO_COPY_COPIED = lookup.findVarHandle(DriverCounters.class, "zeroCopyCopied", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long submitted;
    private long completed;
    private long enterCalls;
    private long cqOverflows;
    private long zeroCopySends;
    private long zeroCopyCopied;

    /** io_uring: SQEs the kernel consumed; epoll: operations started. Loop thread only. */
    public void submitted(long count) {
        SUBMITTED.setOpaque(this, submitted + count);
    }

    /** io_uring: CQEs reaped; epoll: syscall results handed to operations. Loop thread only. */
    public void completed(long count) {
        COMPLETED.setOpaque(this, completed + count);
    }

    /** One io_uring_enter (epoll: one epoll_wait). Loop thread only. */
    public void entered() {
        ENTER_CALLS.setOpaque(this, enterCalls + 1);
    }

    /** The kernel kept completions its full CQ had no room for (io_uring only). Loop thread only. */
    public void cqOverflowed() {
        CQ_OVERFLOWS.setOpaque(this, cqOverflows + 1);
    }

    /**
     * A zero-copy send's notification came (io_uring SEND_ZC) for bytes the kernel sent: it is done
     * with their memory. {@code copied}: the kernel reported it copied the data after all
     * (loopback and veth always do). Loop thread only.
     */
    public void zeroCopyNotified(boolean copied) {
        ZERO_COPY_SENDS.setOpaque(this, zeroCopySends + 1);
        if (copied) {
            ZERO_COPY_COPIED.setOpaque(this, zeroCopyCopied + 1);
        }
    }

    public long zeroCopySends() {
        return (long) ZERO_COPY_SENDS.getOpaque(this);
    }

    public long zeroCopyCopied() {
        return (long) ZERO_COPY_COPIED.getOpaque(this);
    }

    public long submitted() {
        return (long) SUBMITTED.getOpaque(this);
    }

    public long completed() {
        return (long) COMPLETED.getOpaque(this);
    }

    public long enterCalls() {
        return (long) ENTER_CALLS.getOpaque(this);
    }

    public long cqOverflows() {
        return (long) CQ_OVERFLOWS.getOpaque(this);
    }
}
