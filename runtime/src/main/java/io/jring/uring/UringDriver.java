package io.jring.uring;

import static io.jring.bindings.IoUringConstants.IORING_OP_ASYNC_CANCEL;
import static io.jring.bindings.IoUringConstants.IORING_OP_LINK_TIMEOUT;
import static io.jring.bindings.IoUringConstants.IORING_OP_READ;
import static io.jring.bindings.IoUringConstants.IOSQE_IO_LINK;

import io.jring.Backend;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.IoUringConstants;
import io.jring.bindings.LibC;
import io.jring.bindings.LibUring;
import io.jring.bindings.Linux;
import io.jring.bindings.SocketLayouts;
import io.jring.loop.BufferPool;
import io.jring.op.Op;
import io.jring.spi.Driver;
import io.jring.spi.DriverSettings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The io_uring proactor: one ring per loop. Each {@link #poll} makes at most one
 * io_uring_enter, which submits everything queued since the last one and (when there is
 * nothing to reap) waits for the next completion; every ready CQE is then dispatched before
 * the loop looks at its task queue again.
 */
public final class UringDriver implements Driver {
    /** user_data of SQEs whose CQEs nobody waits for (linked timeouts, cancel requests). */
    private static final long IGNORED = 0L;
    /** user_data of the eventfd read that lets other threads wake the loop. */
    private static final long WAKEUP = -1L;
    private static final AtomicBoolean REGISTRATION_WARNED = new AtomicBoolean();

    private final Arena arena = Arena.ofConfined();
    private final Arena sharedArena = Arena.ofShared();
    private final Ring ring;
    private final SqeCursor cursor;
    private final OpTable ops;
    private final BufferPool pool;
    private final ProvidedBufferRing providedBuffers;
    private final String providedBuffersNote;
    private final boolean fixedBuffers;
    private final boolean multishotRecv;
    private final String fixedBuffersNote;
    private final int wakeFd;
    private final MemorySegment wakeReadBuffer;
    private final MemorySegment wakeWriteValue;
    private MemorySegment timespecs;
    private boolean wakeArmed;
    private volatile boolean closing;

    UringDriver(DriverSettings settings, BufferPool pool) throws NativeIoException {
        this.pool = pool;
        this.ring = Ring.open(arena, settings.ringEntries());
        this.cursor = new SqeCursor(ring.sqes());
        this.ops = new OpTable(256);
        this.timespecs = arena.allocate(SocketLayouts.KERNEL_TIMESPEC.byteSize() * ops.capacity(), 8);

        String[] why = new String[1];
        this.providedBuffers = ProvidedBufferRing.register(arena, ring.struct, pool, settings.providedBuffers(), why);
        this.providedBuffersNote = providedBuffers != null ? settings.providedBuffers() + " buffers" : "off (" + why[0] + ")";
        this.multishotRecv = providedBuffers != null && settings.multishotRecv(); // it picks from that ring

        boolean registered = false;
        String note = "off (disabled by options)";
        if (settings.registerBuffers()) {
            MemorySegment iovec = arena.allocate(SocketLayouts.IOVEC);
            iovec.set(ValueLayout.JAVA_LONG, SocketLayouts.IOV_BASE, pool.registrableSlab().address());
            iovec.set(ValueLayout.JAVA_LONG, SocketLayouts.IOV_LEN, pool.registrableSlab().byteSize());
            int res = LibUring.registerBuffers(ring.struct, iovec, 1);
            registered = res == 0;
            note = registered ? pool.registrableSlab().byteSize() / 1024 + " KiB registered"
                    : "off (io_uring_register_buffers: " + Errno.name(res) + ")";
            if (!registered && REGISTRATION_WARNED.compareAndSet(false, true)) {
                // Pinned pages count against RLIMIT_MEMLOCK for users without CAP_IPC_LOCK.
                System.getLogger("io.jring").log(System.Logger.Level.WARNING,
                        "io_uring_register_buffers: " + Errno.describe(res) + ": running with unregistered buffers"
                                + " (raise RLIMIT_MEMLOCK, e.g. ulimit -l, or lower buffersPerLoop to register them)");
            }
        }
        if (registered) {
            pool.markRegistered(0);
        }
        this.fixedBuffers = registered;
        this.fixedBuffersNote = note;

        this.wakeFd = LibC.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
        if (wakeFd < 0) {
            ring.exit();
            throw new NativeIoException("eventfd", wakeFd);
        }
        this.wakeReadBuffer = arena.allocate(8, 8);
        this.wakeWriteValue = sharedArena.allocate(ValueLayout.JAVA_LONG);
        wakeWriteValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        armWakeup();
    }

    @Override
    public Backend backend() {
        return Backend.IO_URING;
    }

    // ---- submission --------------------------------------------------------------------------

    @Override
    public void submit(Op<?> op) {
        ops.add(op);
        write(op);
    }

    /** Writes the op's SQE (and its linked timeout, if it has a deadline) under its slot's user_data. */
    private void write(Op<?> op) {
        long deadline = op.deadlineNanos();
        long remaining = deadline == 0 ? 0 : deadline - System.nanoTime();
        if (deadline != 0 && remaining <= 0) {
            end(op, true); // a continuation whose time already ran out
            return;
        }
        reserve(deadline == 0 ? 1 : 2); // an op and its linked timeout must go in one submission
        cursor.at(ring.nextSqe());
        op.prepare(cursor);
        cursor.userData(ops.userData(op.slot));
        if (deadline != 0) {
            cursor.addSqeFlags(IOSQE_IO_LINK);
            long timespec = timespecFor(op.slot, remaining);
            cursor.at(ring.nextSqe()).prep(IORING_OP_LINK_TIMEOUT, -1, timespec, 1, 0);
            cursor.userData(IGNORED);
        }
    }

    @Override
    public boolean cancel(Op<?> op) {
        if (!ops.contains(op)) {
            return false;
        }
        reserve(1);
        cursor.at(ring.nextSqe()).prep(IORING_OP_ASYNC_CANCEL, -1, ops.userData(op.slot), 0, 0);
        cursor.userData(IGNORED);
        return true;
    }

    private void armWakeup() {
        reserve(1);
        cursor.at(ring.nextSqe()).prep(IORING_OP_READ, wakeFd, wakeReadBuffer.address(), 8, 0);
        cursor.userData(WAKEUP);
        wakeArmed = true;
    }

    /** Locked against {@link #close()}: a late waker must never write into a recycled descriptor. */
    @Override
    public synchronized void wakeup() {
        if (!closing) {
            LibC.write(wakeFd, wakeWriteValue, 8);
        }
    }

    /** Makes room for {@code n} SQEs, submitting what is queued if the SQ is full. */
    private void reserve(int n) {
        if (ring.sqSpace() >= n) {
            return;
        }
        int res = ring.enter(0, false);
        if (res < 0 && res != -Errno.EINTR && res != -Errno.EBUSY && res != -Errno.EAGAIN) {
            throw new IllegalStateException(new NativeIoException("io_uring_enter", res));
        }
        if (ring.sqSpace() < n) {
            // The kernel is refusing new work until we reap (CQ overflow backlog): reap, then retry.
            reap();
            res = ring.enter(0, true);
            if (ring.sqSpace() < n) {
                throw new IllegalStateException("io_uring submission queue stays full (io_uring_enter: "
                        + (res < 0 ? Errno.name(res) : res + " submitted") + ")");
            }
        }
    }

    private long timespecFor(int slot, long nanos) {
        long size = SocketLayouts.KERNEL_TIMESPEC.byteSize();
        if ((slot + 1) * size > timespecs.byteSize()) {
            // The kernel copied earlier timespecs when it took their SQEs; a bigger array is safe.
            timespecs = arena.allocate(size * ops.capacity(), 8);
        }
        long at = slot * size;
        timespecs.set(ValueLayout.JAVA_LONG, at + SocketLayouts.TV_SEC, nanos / 1_000_000_000L);
        timespecs.set(ValueLayout.JAVA_LONG, at + SocketLayouts.TV_NSEC, nanos % 1_000_000_000L);
        return timespecs.address() + at;
    }

    // ---- completion --------------------------------------------------------------------------

    @Override
    public void poll(long waitNanos) {
        if (providedBuffers != null) {
            providedBuffers.refill();
        }
        if (ring.cqReady() == 0 || ring.unsubmitted() > 0) {
            boolean wait = waitNanos != 0 && ring.cqReady() == 0;
            int res = wait && waitNanos > 0 ? ring.enterWaiting(waitNanos) : ring.enter(wait ? 1 : 0, true);
            if (res < 0 && res != -Errno.EINTR && res != -Errno.EBUSY && res != -Errno.EAGAIN && res != -Errno.ETIME) {
                throw new IllegalStateException(new NativeIoException("io_uring_enter", res));
            }
        }
        reap();
    }

    /** Dispatches every posted CQE, including those posted while dispatching. */
    private void reap() {
        int head = ring.cqHead();
        int tail;
        while (head != (tail = ring.cqTail())) {
            while (head != tail) {
                long at = ring.cqeOffset(head);
                long userData = ring.cqeUserData(at);
                int res = ring.cqeRes(at);
                int flags = ring.cqeFlags(at);
                head++;
                ring.cqAdvanceTo(head);
                dispatch(userData, res, flags);
            }
        }
    }

    private void dispatch(long userData, int res, int flags) {
        if (userData == IGNORED) {
            return;
        }
        if (userData == WAKEUP) {
            wakeArmed = false;
            if (!closing) {
                armWakeup();
            }
            return;
        }
        Op<?> op = ops.find(userData);
        if (op == null) {
            return; // stale: the slot has moved on
        }
        if (res == -Errno.ECANCELED && (op.cancelRequested() || op.timeoutNanos() > 0)) {
            end(op, true);
            return;
        }
        switch (op.complete(res, flags)) {
            case Op.FINISHED -> end(op, false);
            case Op.RESUBMIT -> {
                if (op.cancelRequested()) {
                    end(op, true);
                } else {
                    write(op);
                }
            }
            default -> { } // STILL_ARMED: a multishot op, more CQEs to come
        }
    }

    /** The op is over: frees its slot and tells its owner. {@code aborted}: cancelled or timed out. */
    private void end(Op<?> op, boolean aborted) {
        if (aborted) {
            op.aborted();
        }
        ops.remove(op);
        op.finished();
    }

    @Override
    public int inFlight() {
        return ops.size();
    }

    // ---- buffers -----------------------------------------------------------------------------

    @Override
    public int providedBufferGroup() {
        return providedBuffers != null ? ProvidedBufferRing.GROUP : -1;
    }

    @Override
    public IoBuffer takeProvidedBuffer(int bid, int length) {
        return providedBuffers.take(bid, length);
    }

    @Override
    public boolean fixedBuffersRegistered() {
        return fixedBuffers;
    }

    @Override
    public boolean multishotAccept() {
        return true; // AcceptStreamOp drops to single-shot if the kernel answers EINVAL
    }

    @Override
    public boolean multishotRecv() {
        return multishotRecv;
    }

    @Override
    public String describe() {
        return "io_uring flags=" + setupFlagNames(ring.flags) + " sq=" + ring.sqEntries + " cq=" + ring.cqEntries
                + " fixed-buffers=" + fixedBuffersNote + " provided-buffers=" + providedBuffersNote
                + " recv=" + (multishotRecv ? "multishot" : "single-shot");
    }

    private static final int[] NAMED_SETUP_FLAGS = {
        IoUringConstants.IORING_SETUP_SINGLE_ISSUER, IoUringConstants.IORING_SETUP_DEFER_TASKRUN,
        IoUringConstants.IORING_SETUP_COOP_TASKRUN, IoUringConstants.IORING_SETUP_SUBMIT_ALL,
        IoUringConstants.IORING_SETUP_CQSIZE,
    };
    private static final String[] SETUP_FLAG_NAMES = {
        "SINGLE_ISSUER", "DEFER_TASKRUN", "COOP_TASKRUN", "SUBMIT_ALL", "CQSIZE",
    };

    static String setupFlagNames(int flags) {
        StringJoiner names = new StringJoiner("|");
        for (int i = 0; i < NAMED_SETUP_FLAGS.length; i++) {
            if ((flags & NAMED_SETUP_FLAGS[i]) != 0) {
                names.add(SETUP_FLAG_NAMES[i]);
            }
        }
        return names.length() == 0 ? "none" : names.toString();
    }

    /**
     * Frees the ring. Every op has ended (the loop checks), but the eventfd read is still armed:
     * cancel it and wait for its CQE before the memory it reads into may go.
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        if (wakeArmed) {
            reserve(1);
            cursor.at(ring.nextSqe()).prep(IORING_OP_ASYNC_CANCEL, -1, WAKEUP, 0, 0);
            cursor.userData(IGNORED);
            for (int i = 0; i < 1000 && wakeArmed; i++) {
                ring.enter(1, true);
                reap();
            }
        }
        if (providedBuffers != null) {
            providedBuffers.close();
        }
        ring.exit();
        LibC.close(wakeFd);
        arena.close();
        sharedArena.close();
    }
}
