package io.jring.uring;

import static io.jring.bindings.LibUringLayouts.CQ_CQES;
import static io.jring.bindings.LibUringLayouts.CQ_KHEAD;
import static io.jring.bindings.LibUringLayouts.CQ_KOVERFLOW;
import static io.jring.bindings.LibUringLayouts.CQ_KTAIL;
import static io.jring.bindings.LibUringLayouts.CQ_RING_ENTRIES;
import static io.jring.bindings.LibUringLayouts.CQ_RING_MASK;
import static io.jring.bindings.LibUringLayouts.RING_FD;
import static io.jring.bindings.LibUringLayouts.SQ_ARRAY;
import static io.jring.bindings.LibUringLayouts.SQ_KFLAGS;
import static io.jring.bindings.LibUringLayouts.SQ_KHEAD;
import static io.jring.bindings.LibUringLayouts.SQ_KTAIL;
import static io.jring.bindings.LibUringLayouts.SQ_RING_ENTRIES;
import static io.jring.bindings.LibUringLayouts.SQ_RING_MASK;
import static io.jring.bindings.LibUringLayouts.SQ_SQES;

import io.jring.NativeIoException;
import io.jring.bindings.IoUringAbi;
import io.jring.bindings.IoUringConstants;
import io.jring.bindings.LibC;
import io.jring.bindings.LibUring;
import io.jring.bindings.LibUringLayouts;
import io.jring.bindings.NativeMemory;
import io.jring.bindings.SocketLayouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The two queues of one io_uring, read and written from Java. liburing sets the ring up and
 * maps it; after that the hot path never calls into liburing: SQEs are written here, the SQ
 * tail is published with a release store, {@code io_uring_enter} is called directly, and CQEs
 * are read after an acquire load of the CQ tail, exactly as liburing's inline helpers do.
 */
final class Ring {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    final MemorySegment struct;  // liburing's struct io_uring
    final int fd;
    final int flags;
    final int features;
    private final MemorySegment sqHead;
    private final MemorySegment sqTail;
    private final MemorySegment sqFlags;
    private final MemorySegment sqes;
    private final int sqMask;
    final int sqEntries;
    private final MemorySegment cqHead;
    private final MemorySegment cqTail;
    private final MemorySegment cqOverflow;
    private final MemorySegment cqes;
    private final int cqMask;
    final int cqEntries;
    private final MemorySegment waitArg;
    private final MemorySegment waitTimespec;
    private int sqeTail;
    private boolean exited;
    /**
     * Tests only: answer a plain submit with EBUSY while completions wait in the overflow list,
     * as kernels before 5.19 did (newer ones take the SQEs), so the driver's held path runs here.
     */
    boolean refuseSubmitWhileOverflowed;

    /** Flag sets tried in order, strongest first; the kernel says EINVAL to what it lacks. */
    private static final int[] SETUP_FLAG_CANDIDATES = {
        IoUringConstants.IORING_SETUP_SINGLE_ISSUER | IoUringConstants.IORING_SETUP_DEFER_TASKRUN
                | IoUringConstants.IORING_SETUP_COOP_TASKRUN | IoUringConstants.IORING_SETUP_SUBMIT_ALL,
        IoUringConstants.IORING_SETUP_SINGLE_ISSUER | IoUringConstants.IORING_SETUP_DEFER_TASKRUN
                | IoUringConstants.IORING_SETUP_SUBMIT_ALL,
        IoUringConstants.IORING_SETUP_SINGLE_ISSUER | IoUringConstants.IORING_SETUP_COOP_TASKRUN
                | IoUringConstants.IORING_SETUP_SUBMIT_ALL,
        IoUringConstants.IORING_SETUP_COOP_TASKRUN | IoUringConstants.IORING_SETUP_SUBMIT_ALL,
        IoUringConstants.IORING_SETUP_SUBMIT_ALL,
        0,
    };

    /** The kernel's largest CQ (IORING_MAX_CQ_ENTRIES): four times an SQ of 32768 would be refused with EINVAL. */
    static final int MAX_CQ_ENTRIES = 65536;

    /** A ring whose CQ is four times its SQ, as far as the kernel allows. */
    static Ring open(Arena arena, int entries) throws NativeIoException {
        return open(arena, entries, (int) Math.min(4L * entries, MAX_CQ_ENTRIES));
    }

    /**
     * Sets a ring up on the calling thread (with SINGLE_ISSUER, the only thread that may submit).
     * {@code IORING_SETUP_CLAMP} makes the kernel lower sizes above its limits instead of
     * refusing them; the sizes it chose are read back from the ring, so logs show the real ones.
     */
    static Ring open(Arena arena, int entries, int cqEntries) throws NativeIoException {
        MemorySegment struct = arena.allocate(LibUringLayouts.RING);
        MemorySegment params = arena.allocate(IoUringAbi.PARAMS);
        int res = -1;
        for (int candidate : SETUP_FLAG_CANDIDATES) {
            params.fill((byte) 0);
            params.set(ValueLayout.JAVA_INT, IoUringAbi.PARAMS_FLAGS,
                    candidate | IoUringConstants.IORING_SETUP_CQSIZE | IoUringConstants.IORING_SETUP_CLAMP);
            params.set(ValueLayout.JAVA_INT, IoUringAbi.PARAMS_CQ_ENTRIES, cqEntries);
            res = LibUring.queueInitParams(entries, struct, params);
            if (res != -io.jring.bindings.Errno.EINVAL) {
                break;
            }
        }
        if (res == -io.jring.bindings.Errno.ENOMEM) {
            // Kernels before 5.12, and again recent ones (6.18 here), count ring memory against
            // RLIMIT_MEMLOCK for users without CAP_IPC_LOCK (most containers): that, not a lack
            // of memory, is the usual cause.
            throw new NativeIoException("io_uring_queue_init_params", res, "the ring (" + entries
                    + " SQ entries) does not fit this user's RLIMIT_MEMLOCK next to the rings already open:"
                    + " raise it (ulimit -l, LimitMEMLOCK= in systemd, --ulimit memlock= in docker),"
                    + " or open fewer loops or lower ringEntries");
        }
        if (res < 0) {
            throw new NativeIoException("io_uring_queue_init_params", res);
        }
        MemorySegment waitArg = arena.allocate(IoUringAbi.GETEVENTS_ARG);
        MemorySegment waitTimespec = arena.allocate(SocketLayouts.KERNEL_TIMESPEC);
        waitArg.set(ValueLayout.JAVA_INT, IoUringAbi.GETEVENTS_ARG_SIGMASK_SZ, 8); // _NSIG / 8, as liburing passes
        waitArg.set(ValueLayout.JAVA_LONG, IoUringAbi.GETEVENTS_ARG_TS, waitTimespec.address());
        return new Ring(struct, params.get(ValueLayout.JAVA_INT, IoUringAbi.PARAMS_FEATURES), waitArg, waitTimespec);
    }

    private Ring(MemorySegment struct, int features, MemorySegment waitArg, MemorySegment waitTimespec) {
        this.struct = struct;
        this.waitArg = waitArg;
        this.waitTimespec = waitTimespec;
        this.fd = struct.get(ValueLayout.JAVA_INT, RING_FD);
        this.flags = struct.get(ValueLayout.JAVA_INT, LibUringLayouts.RING_FLAGS);
        this.features = features;
        this.sqEntries = struct.get(ValueLayout.JAVA_INT, SQ_RING_ENTRIES);
        this.sqMask = struct.get(ValueLayout.JAVA_INT, SQ_RING_MASK);
        this.cqEntries = struct.get(ValueLayout.JAVA_INT, CQ_RING_ENTRIES);
        this.cqMask = struct.get(ValueLayout.JAVA_INT, CQ_RING_MASK);
        this.sqHead = pointer(SQ_KHEAD, 4);
        this.sqTail = pointer(SQ_KTAIL, 4);
        this.sqFlags = pointer(SQ_KFLAGS, 4);
        // liburing 2.6+ sets IORING_SETUP_NO_SQARRAY on kernels that take it (6.6+): then there is
        // no indirection array (the pointer is NULL) and the kernel reads SQE tail & mask directly.
        MemorySegment array = struct.get(ValueLayout.ADDRESS, SQ_ARRAY);
        if (!array.equals(MemorySegment.NULL)) {
            mapSlotsOneToOne(NativeMemory.view(array, 4L * sqEntries), sqEntries);
        }
        this.sqes = pointer(SQ_SQES, IoUringAbi.SQE_SIZE * sqEntries);
        this.cqHead = pointer(CQ_KHEAD, 4);
        this.cqTail = pointer(CQ_KTAIL, 4);
        this.cqOverflow = pointer(CQ_KOVERFLOW, 4);
        this.cqes = pointer(CQ_CQES, IoUringAbi.CQE_SIZE * cqEntries);
        this.sqeTail = (int) INT.getAcquire(sqTail, 0L);
    }

    /**
     * Slot i of the SQ array names SQE i, for good: written once here, before anything is
     * submitted, so no SQE needs its own write to that array (another cache line) on the hot path.
     * liburing 2.2+ already does this at setup; doing it again makes it so whichever liburing
     * set the ring up. (Not IORING_SETUP_NO_SQARRAY: liburing 2.3 fills this array at setup
     * without looking at that flag, and with the flag the kernel puts the ring's head and tail
     * where the array would be.)
     */
    private static void mapSlotsOneToOne(MemorySegment sqArray, int entries) {
        for (int i = 0; i < entries; i++) {
            sqArray.setAtIndex(ValueLayout.JAVA_INT, i, i);
        }
    }

    private MemorySegment pointer(long offset, long size) {
        return NativeMemory.view(struct.get(ValueLayout.ADDRESS, offset), size);
    }

    /** Free SQE slots right now. */
    int sqSpace() {
        return sqEntries - (sqeTail - (int) INT.getAcquire(sqHead, 0L));
    }

    /** SQEs written and not yet handed to the kernel. */
    int unsubmitted() {
        return sqeTail - (int) INT.getAcquire(sqHead, 0L);
    }

    /** The SQE array: one segment, so every SQE write checks against one object the cache keeps hot. */
    MemorySegment sqes() {
        return sqes;
    }

    /**
     * Claims the next SQE and returns its byte offset in {@link #sqes()}. It is <em>not</em>
     * zeroed: it still holds what was last submitted from this slot, and {@link SqeCursor#prep}
     * writes every field of it once. The caller has checked space.
     */
    long nextSqe() {
        return (sqeTail++ & sqMask) * IoUringAbi.SQE_SIZE;
    }

    /**
     * Publishes the SQ tail and calls io_uring_enter. With {@code GETEVENTS} the kernel also runs
     * deferred completion work; {@code minComplete > 0} blocks until that many CQEs are posted.
     * Returns SQEs consumed, or -errno (EINTR, EBUSY and EAGAIN are the caller's to ride out).
     */
    int enter(int minComplete, boolean getEvents) {
        INT.setRelease(sqTail, 0L, sqeTail);
        int toSubmit = unsubmitted();
        if (refuseSubmitWhileOverflowed && !getEvents && minComplete == 0 && cqOverflowPending()) {
            return -io.jring.bindings.Errno.EBUSY;
        }
        int enterFlags = getEvents || minComplete > 0 ? IoUringConstants.IORING_ENTER_GETEVENTS : 0;
        return LibC.ioUringEnter(fd, toSubmit, minComplete, enterFlags);
    }

    /**
     * {@link #enter} that waits for one CQE for at most {@code timeoutNanos}: the timeout rides in
     * an {@code IORING_ENTER_EXT_ARG} argument (5.11+), so no timeout SQE is made and reaped for
     * it. Answers {@code -ETIME} when the time passes first.
     */
    int enterWaiting(long timeoutNanos) {
        INT.setRelease(sqTail, 0L, sqeTail);
        waitTimespec.set(ValueLayout.JAVA_LONG, SocketLayouts.TV_SEC, timeoutNanos / 1_000_000_000L);
        waitTimespec.set(ValueLayout.JAVA_LONG, SocketLayouts.TV_NSEC, timeoutNanos % 1_000_000_000L);
        return LibC.ioUringEnter(fd, unsubmitted(), 1,
                IoUringConstants.IORING_ENTER_GETEVENTS | IoUringConstants.IORING_ENTER_EXT_ARG,
                waitArg, waitArg.byteSize());
    }

    /**
     * {@code IORING_SQ_CQ_OVERFLOW}: completions did not fit the CQ and wait in the kernel's
     * overflow list (nothing lost yet); an io_uring_enter with GETEVENTS moves them in once
     * there is room.
     */
    boolean cqOverflowPending() {
        return ((int) INT.getAcquire(sqFlags, 0L) & IoUringConstants.IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** The kernel's count of completions it could not keep at all ({@code cq.koverflow}): lost for good. */
    int cqDropped() {
        return (int) INT.getAcquire(cqOverflow, 0L);
    }

    int cqHead() {
        return (int) INT.get(cqHead, 0L);
    }

    /** Acquire: the CQEs before the tail are fully written once we see it. */
    int cqTail() {
        return (int) INT.getAcquire(cqTail, 0L);
    }

    int cqReady() {
        return cqTail() - cqHead();
    }

    long cqeOffset(int head) {
        return (head & cqMask) * IoUringAbi.CQE_SIZE;
    }

    long cqeUserData(long offset) {
        return cqes.get(ValueLayout.JAVA_LONG, offset + IoUringAbi.CQE_USER_DATA);
    }

    int cqeRes(long offset) {
        return cqes.get(ValueLayout.JAVA_INT, offset + IoUringAbi.CQE_RES);
    }

    int cqeFlags(long offset) {
        return cqes.get(ValueLayout.JAVA_INT, offset + IoUringAbi.CQE_FLAGS);
    }

    /** Release: hands CQ slots back to the kernel only after we read them. */
    void cqAdvanceTo(int head) {
        INT.setRelease(cqHead, 0L, head);
    }

    void exit() {
        if (!exited) {
            exited = true;
            LibUring.queueExit(struct);
        }
    }
}
