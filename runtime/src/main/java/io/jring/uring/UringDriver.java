package io.jring.uring;

import static io.jring.bindings.IoUringConstants.IORING_CQE_BUFFER_SHIFT;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_BUFFER;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_MORE;
import static io.jring.bindings.IoUringConstants.IORING_OP_ASYNC_CANCEL;
import static io.jring.bindings.IoUringConstants.IORING_OP_READ;

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
import io.jring.op.Invariants;
import io.jring.op.Op;
import io.jring.spi.Driver;
import io.jring.spi.DriverCounters;
import io.jring.spi.DriverSettings;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The io_uring proactor: one ring per loop. Each {@link #poll} makes at most one
 * io_uring_enter, which submits everything queued since the last one and (when there is
 * nothing to reap) waits for the next completion; every ready CQE is then dispatched before
 * the loop looks at its task queue again.
 *
 * <p>Rules that keep one mistake from taking the loop down: the CQ head advances once per CQE,
 * before its dispatch, and nothing reaps from inside a dispatch; a full SQ is submitted, never
 * reaped, and work that still finds no room waits in {@link HeldSubmissions}; an exception from
 * an op's {@code prepare} or {@code complete} fails that op alone; completions the kernel kept
 * in its overflow list are flushed, and completions it dropped fail every op in flight.
 */
public final class UringDriver implements Driver {
    /** user_data of SQEs whose CQEs nobody waits for (cancel requests). */
    private static final long IGNORED = 0L;
    /** user_data of the eventfd read that lets other threads wake the loop. */
    private static final long WAKEUP = -1L;
    private static final AtomicBoolean REGISTRATION_WARNED = new AtomicBoolean();
    private static final System.Logger LOG = System.getLogger("io.jring");
    /** How long a wait pauses once the kernel answers every wait with EBADR (after a loss). */
    private static final long BROKEN_WAIT_NANOS = 1_000_000L;

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
    /** RECVMSG hidden by {@code -Djring.probe.hideOps}: datagrams are read after a POLL_ADD. */
    private final boolean recvmsgHidden;
    /** Whether multishot may be used at all (the multishot-recv setting, off in some tests). */
    private final boolean multishotAllowed;
    /** The datagram pool's provided-buffer ring, registered when a datagram socket first receives. */
    private ProvidedBufferRing datagramBuffers;
    private String datagramNote = "not yet used";
    private final String fixedBuffersNote;
    private final int wakeFd;
    private final MemorySegment wakeReadBuffer;
    private final MemorySegment wakeWriteValue;
    private final HeldSubmissions held = new HeldSubmissions();
    /** File ops whose opcode this ring lacks (hidden, or an old kernel) run here, off the loop. */
    private final io.jring.spi.BlockingPool blockingPool = new io.jring.spi.BlockingPool(this::wakeup);
    private final java.util.Set<Integer> supportedOps;
    private final DriverCounters counters = new DriverCounters();
    private final int loopIndex;
    /** Eventfd reads in the kernel: one, or more after a loss of completions (see {@link #completionsLost}). */
    private int wakeReads;
    /** The next CQE to reap: the one place the driver keeps the CQ head. */
    private int cqHead;
    private boolean reaping;
    private long overflowFlushes;
    private int droppedSeen;
    private boolean lossSignalled;
    private boolean lossReported;
    private volatile boolean closing;

    UringDriver(DriverSettings settings, BufferPool pool) throws NativeIoException {
        this(settings, pool, (int) Math.min(4L * settings.ringEntries(), Ring.MAX_CQ_ENTRIES));
    }

    /** With a CQ of {@code cqEntries} (tests use tiny ones to make it overflow). */
    UringDriver(DriverSettings settings, BufferPool pool, int cqEntries) throws NativeIoException {
        this.pool = pool;
        this.loopIndex = settings.loopIndex();
        this.ring = Ring.open(arena, settings.ringEntries(), cqEntries);
        this.cqHead = ring.cqHead();
        this.droppedSeen = ring.cqDropped();
        this.cursor = new SqeCursor(ring.sqes());
        this.supportedOps = UringProbe.supportedOps(ring.struct);
        this.ops = new OpTable(256);

        String[] why = new String[1];
        this.providedBuffers = ProvidedBufferRing.register(arena, ring.struct, pool, settings.providedBuffers(), why);
        this.providedBuffersNote = providedBuffers != null ? settings.providedBuffers() + " buffers" : "off (" + why[0] + ")";
        this.multishotRecv = providedBuffers != null && settings.multishotRecv(); // it picks from that ring
        this.multishotAllowed = settings.multishotRecv();
        this.recvmsgHidden = UringProbe.hiddenOps().contains(IoUringConstants.IORING_OP_RECVMSG);

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
        if (op.blocking()) {
            blockingPool.start(op); // in the op table too: it counts as in flight, and cancel finds it
            return;
        }
        if (!held.isEmpty()) {
            held.write(op); // behind what waits already, in order
            return;
        }
        write(op);
    }

    /**
     * Writes the op's SQE under its slot's user_data (deadlines are the loop's: it cancels an
     * op whose time ran out), or holds the op if the SQ has no room. An exception from the op's
     * {@code prepare} fails that op alone; its half-written SQE becomes a NOP nobody waits for.
     */
    private void write(Op<?> op) {
        if (!room(1)) {
            held.write(op);
            return;
        }
        cursor.at(ring.nextSqe());
        try {
            op.prepare(cursor);
            if (!cursor.prepared()) {
                cursor.clear(); // the slot still holds an older SQE: submit a NOP for this op instead
            }
            if (Invariants.ENABLED) {
                Invariants.checkSqe(op, cursor.opcode, cursor.addr, cursor.len);
            }
        } catch (Throwable t) {
            cursor.clear();
            failed(op, t, "prepare", false);
            return;
        }
        cursor.userData(ops.userData(op.slot()));
    }

    @Override
    public boolean cancel(Op<?> op) {
        if (!ops.contains(op)) {
            return false;
        }
        int pooled = blockingPool.cancel(op);
        if (pooled != io.jring.spi.BlockingPool.NOT_HERE) {
            if (pooled == io.jring.spi.BlockingPool.REMOVED) {
                end(op, true); // no thread ever ran it
            }
            return true;
        }
        if (held.forget(op)) {
            end(op, true); // the kernel never saw it
            return true;
        }
        if (!room(1)) {
            held.cancel(op);
            return true;
        }
        writeCancel(ops.userData(op.slot()), 0);
        return true;
    }

    private void writeCancel(long target, int cancelFlags) {
        cursor.at(ring.nextSqe()).prep(IORING_OP_ASYNC_CANCEL, -1, target, 0, 0).opFlags(cancelFlags);
        cursor.userData(IGNORED);
    }

    private void armWakeup() {
        if (!room(1)) {
            held.wakeup = true;
            return;
        }
        cursor.at(ring.nextSqe()).prep(IORING_OP_READ, wakeFd, wakeReadBuffer.address(), 8, 0);
        cursor.userData(WAKEUP);
        wakeReads++;
    }

    /** Locked against {@link #close()}: a late waker must never write into a recycled descriptor. */
    @Override
    public synchronized void wakeup() {
        if (!closing) {
            LibC.write(wakeFd, wakeWriteValue, 8);
        }
    }

    /**
     * Whether {@code n} SQEs can be written now, submitting what is queued to make room. It
     * never reaps: this runs inside dispatches (a completion's stage submits the next op), and
     * reaping there would run completions inside completions. When the submit leaves no room
     * (the kernel takes no SQEs while its CQ overflow list is not empty), the caller holds the
     * work for {@link #poll}, which reaps first.
     */
    private boolean room(int n) {
        if (ring.sqSpace() >= n) {
            return true;
        }
        counters.entered();
        entered(ring.enter(0, false));
        return ring.sqSpace() >= n;
    }

    /** Writes held work, in order, as far as the SQ has room. */
    private void flushHeld() {
        if (held.wakeup && room(1)) {
            held.wakeup = false;
            armWakeup();
        }
        Op<?> op;
        while ((op = held.nextCancel()) != null && room(1)) {
            held.cancelled();
            if (ops.contains(op)) {
                writeCancel(ops.userData(op.slot()), 0);
            }
        }
        while ((op = held.nextWrite()) != null && room(op.deadlineNanos() == 0 ? 1 : 2)) {
            held.wrote();
            write(op);
        }
    }

    /**
     * Checks an io_uring_enter result (the call itself was counted before it was made). EINTR,
     * EBUSY, EAGAIN (the kernel is short of room or memory right now) and ETIME (a timed wait ran
     * out) are ridden out; EBADR (the kernel dropped completions) is handled after the next reap;
     * anything else is a bug here.
     */
    private void entered(int res) {
        if (res > 0) {
            counters.submitted(res); // SQEs the kernel consumed
        }
        if (res >= 0 || res == -Errno.EINTR || res == -Errno.EBUSY || res == -Errno.EAGAIN || res == -Errno.ETIME) {
            return;
        }
        if (res == -Errno.EBADR) {
            lossSignalled = true;
            return;
        }
        throw new IllegalStateException(new NativeIoException("io_uring_enter", res,
                "the ring of loop " + loopIndex + " refused io_uring_enter; this is a bug in jring, please report it"));
    }

    // ---- completion --------------------------------------------------------------------------

    @Override
    public void poll(long waitNanos) {
        if (providedBuffers != null) {
            providedBuffers.refill();
        }
        if (datagramBuffers != null) {
            datagramBuffers.refill();
        }
        flushHeld();
        if (!held.isEmpty() || blockingPool.hasResults()) {
            waitNanos = 0; // room comes from reaping, not from waiting; pool results are ready now
        }
        if (ring.cqReady() == 0 || ring.unsubmitted() > 0) {
            boolean wait = waitNanos != 0 && ring.cqReady() == 0;
            counters.entered(); // counted as it is made: a loop waiting in its first call has made one
            int res = wait && waitNanos > 0 ? ring.enterWaiting(waitNanos) : ring.enter(wait ? 1 : 0, true);
            entered(res);
            if (res == -Errno.EBADR && wait && ring.cqReady() == 0) {
                // After a loss the kernel answers every wait with EBADR at once: pause instead of spinning.
                LockSupport.parkNanos(waitNanos > 0 ? Math.min(waitNanos, BROKEN_WAIT_NANOS) : BROKEN_WAIT_NANOS);
            }
        }
        reap();
        flushOverflow();
        checkLoss();
        finishBlocking();
    }

    /**
     * Takes the blocking pool's results, on the loop thread, as {@link #dispatch} takes CQEs: the
     * result goes to the op's {@code complete} even when a cancel came meanwhile (an open that
     * succeeded must still close its descriptor), and an op that goes on is submitted again,
     * to the ring or the pool as its next step needs.
     */
    private void finishBlocking() {
        io.jring.spi.BlockingPool.Result result;
        while ((result = blockingPool.poll()) != null) {
            Op<?> op = result.op();
            if (!ops.contains(op)) {
                continue;
            }
            if (result.thrown() != null) {
                failed(op, result.thrown(), "attempt", false);
                continue;
            }
            int next;
            try {
                next = op.complete(result.res(), 0);
            } catch (Throwable t) {
                failed(op, t, "complete", false);
                continue;
            }
            if (next == Op.FINISHED) {
                end(op, false);
            } else if (op.cancelRequested() || op.isDone()) {
                end(op, true);
            } else if (op.blocking()) {
                blockingPool.start(op);
            } else {
                write(op);
            }
        }
    }

    /**
     * Dispatches every posted CQE, including those posted while dispatching. The head lives in
     * {@link #cqHead} alone and moves past each CQE before it is dispatched, so whatever the
     * dispatch runs, no CQE is seen twice; nothing reaps from inside a dispatch ({@link #room}
     * only submits), and the guard makes sure of it.
     */
    private void reap() {
        if (reaping) {
            return; // the running reap re-reads the tail and picks up whatever was posted
        }
        reaping = true;
        try {
            int tail;
            while (cqHead != (tail = ring.cqTail())) {
                counters.completed(tail - cqHead); // counted before the dispatch: it may throw
                while (cqHead != tail) {
                    long at = ring.cqeOffset(cqHead);
                    long userData = ring.cqeUserData(at);
                    int res = ring.cqeRes(at);
                    int flags = ring.cqeFlags(at);
                    ring.cqAdvanceTo(++cqHead);
                    dispatch(userData, res, flags);
                }
            }
        } finally {
            reaping = false;
        }
    }

    /**
     * Moves completions the kernel kept in its overflow list (the CQ was full) into the CQ and
     * dispatches them. Nothing is lost; each time is counted, and logged once per loop.
     */
    private void flushOverflow() {
        for (int round = 0; round < 16 && ring.cqOverflowPending(); round++) {
            counters.cqOverflowed();
            if (overflowFlushes++ == 0) {
                LOG.log(System.Logger.Level.WARNING, "loop " + loopIndex + ": more completions came at once than its"
                        + " io_uring CQ holds (" + ring.cqEntries + "); the kernel kept the rest and they are flushed,"
                        + " nothing is lost, but raise ringEntries if this happens under normal load");
            }
            counters.entered();
            entered(ring.enter(0, true));
            reap();
        }
    }

    private void dispatch(long userData, int res, int flags) {
        if (userData == IGNORED) {
            return;
        }
        if (userData == WAKEUP) {
            wakeReads--;
            if (!closing) {
                armWakeup();
            }
            return;
        }
        Op<?> op = ops.find(userData);
        if (op == null) {
            return; // stale: the slot has moved on
        }
        if (ops.state(op) == OpTable.DRAINING) {
            drain(op, flags);
            return;
        }
        int next;
        try {
            // With MORE a zero-copy send's notification is still to come: the op decides.
            if (res == -Errno.ECANCELED && op.cancelRequested() && (flags & IORING_CQE_F_MORE) == 0) {
                end(op, true);
                return;
            }
            next = op.complete(res, flags);
        } catch (Throwable t) {
            if (res > 0 && (flags & IORING_CQE_F_BUFFER) != 0) {
                ringOf(op).giveBackIfLent(flags >>> IORING_CQE_BUFFER_SHIFT); // if complete never took it
            }
            failed(op, t, "complete", (flags & IORING_CQE_F_MORE) != 0);
            return;
        }
        switch (next) {
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

    /**
     * The op threw from {@code prepare} or {@code complete}: it fails with what it threw, and the
     * loop goes on. If the kernel still has it armed (a multishot CQE with MORE), it is cancelled
     * and ends at its last CQE, so nothing it holds is given back while the kernel may use it.
     */
    private void failed(Op<?> op, Throwable cause, String where, boolean stillArmed) {
        LOG.log(System.Logger.Level.WARNING, "loop " + loopIndex + ": " + op.name() + " on fd " + op.fd()
                + " threw from " + where + "; that operation fails with it, the loop goes on", cause);
        op.cancelBecause(cause);
        if (!ops.contains(op)) {
            return; // it ended already, from inside its own complete
        }
        if (stillArmed) {
            ops.state(op, OpTable.DRAINING);
            cancel(op);
        } else {
            end(op, true);
        }
    }

    /** A CQE of an op that failed while armed: give back the buffer it carries; the last one ends the op. */
    private void drain(Op<?> op, int flags) {
        if ((flags & IORING_CQE_F_BUFFER) != 0) {
            ringOf(op).giveBackIfLent(flags >>> IORING_CQE_BUFFER_SHIFT);
        }
        if ((flags & IORING_CQE_F_MORE) == 0) {
            end(op, true);
        }
    }

    /**
     * The op is over: frees its slot and tells its owner. {@code aborted}: cancelled, timed out
     * or failed by the driver. Whatever the op or its owner throws here stays with this op.
     */
    private void end(Op<?> op, boolean aborted) {
        if (aborted) {
            try {
                op.aborted();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "loop " + loopIndex + ": ending " + op.name() + " threw", t);
            }
        }
        ops.remove(op);
        try {
            op.finished();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "loop " + loopIndex + ": the owner of " + op.name()
                    + " threw when it ended", t);
        }
    }

    /**
     * A rising {@code cq.koverflow}, or EBADR from io_uring_enter, means the kernel dropped
     * completions: it had no memory to keep one its full CQ could not take. Which ops lost theirs
     * cannot be known, so every op in flight fails now, loudly, instead of some future never
     * completing; each is also cancelled, and gives back what it holds only at its own CQE (an op
     * whose CQE was the lost one keeps its memory: leaked, never reused under the kernel).
     */
    private void checkLoss() {
        int dropped = ring.cqDropped();
        if (dropped != droppedSeen) {
            int lost = dropped - droppedSeen;
            droppedSeen = dropped;
            completionsLost(lost + " completions (cq.koverflow)");
        } else if (lossSignalled && !lossReported) {
            completionsLost("io_uring_enter answered EBADR");
        }
        lossSignalled = false;
    }

    private void completionsLost(String what) {
        lossReported = true;
        List<Op<?>> inFlight = ops.snapshot();
        LOG.log(System.Logger.Level.ERROR, "loop " + loopIndex + ": the kernel dropped " + what + " of its io_uring"
                + " (no memory to keep completions its CQ of " + ring.cqEntries + " had no room for); failing the "
                + inFlight.size() + " operations in flight, since any of them may have lost its result."
                + " Free memory, lower the load per loop or raise ringEntries");
        for (Op<?> op : inFlight) {
            if (!ops.contains(op) || ops.state(op) != OpTable.LIVE) {
                continue; // ended meanwhile (a user's stage cancelled it), or already failing
            }
            ops.state(op, OpTable.DOOMED);
            IOException cause = new IOException("io_uring dropped completions on loop " + loopIndex + " (" + what
                    + "): this " + op.name() + " may have lost its result");
            op.cancelBecause(cause);
            try {
                op.failNow(cause);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "loop " + loopIndex + ": failing " + op.name() + " threw", t);
            }
            cancel(op);
        }
        // The wakeup read's CQE may have been among the lost: arm another, so other threads can still wake the loop.
        if (!closing) {
            armWakeup();
        }
    }

    /** How often completions overflowed the CQ into the kernel's list and were flushed (tests, describe). */
    long overflowFlushes() {
        return overflowFlushes;
    }

    /** The ring (tests: sizes, fault injection). */
    Ring ring() {
        return ring;
    }

    /** Submissions waiting for SQ room (tests). */
    int held() {
        return held.size();
    }

    /** The user_data the op's CQEs carry (tests). */
    long userDataOf(Op<?> op) {
        return ops.userData(op.slot());
    }

    /** Queues a NOP with any user_data, e.g. a stale one (tests). */
    void submitNop(long userData) {
        if (!room(1)) {
            throw new IllegalStateException("no SQ room for a NOP");
        }
        cursor.at(ring.nextSqe()).prep(IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0);
        cursor.userData(userData);
    }

    /** Runs what a kernel report of dropped completions runs (tests: the kernel drops only when out of memory). */
    void simulateLostCompletions() {
        completionsLost("completions (simulated by a test)");
    }

    @Override
    public int inFlight() {
        return ops.size();
    }

    @Override
    public DriverCounters counters() {
        return counters;
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

    /** The ring whose buffer the op's CQE carries. */
    private ProvidedBufferRing ringOf(Op<?> op) {
        return op.bufferGroup() == ProvidedBufferRing.DATAGRAM_GROUP ? datagramBuffers : providedBuffers;
    }

    /**
     * Lends the datagram pool's first blocks to a ring of their own (group 1): its buffers hold a
     * whole datagram with the kernel's header, where the stream ring's 16 KiB blocks would cut
     * one short. Made at the first datagram receive, so a loop without UDP maps nothing for it.
     */
    @Override
    public int datagramBufferGroup(BufferPool datagramPool) {
        if (datagramBuffers != null) {
            return ProvidedBufferRing.DATAGRAM_GROUP;
        }
        if (!datagramNote.equals("not yet used")) {
            return -1; // decided already
        }
        if (recvmsgHidden) {
            datagramNote = "poll+recvmsg (RECVMSG hidden)";
        } else if (!multishotAllowed) {
            datagramNote = "single-shot";
        } else if (providedBuffers == null) {
            datagramNote = "single-shot (no provided-buffer rings)";
        } else {
            String[] why = new String[1];
            datagramBuffers = ProvidedBufferRing.register(arena, ring.struct, datagramPool, DATAGRAM_RING_ENTRIES, why,
                    ProvidedBufferRing.DATAGRAM_GROUP);
            datagramNote = datagramBuffers != null ? "multishot" : "single-shot (" + why[0] + ")";
        }
        return datagramBuffers != null ? ProvidedBufferRing.DATAGRAM_GROUP : -1;
    }

    /** Datagram buffers lent to the kernel per loop: a burst's worth, of the pool's first slab. */
    public static final int DATAGRAM_RING_ENTRIES = 8;

    @Override
    public IoBuffer takeDatagramBuffer(int bid) {
        return datagramBuffers.take(bid, 0);
    }

    @Override
    public boolean recvmsgInRing() {
        return !recvmsgHidden;
    }

    @Override
    public boolean fixedBuffersRegistered() {
        return fixedBuffers;
    }

    @Override
    public boolean ringSupports(int opcode) {
        return supportedOps.contains(opcode);
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
                + " recv=" + (multishotRecv ? "multishot" : "single-shot")
                + " recvmsg=" + (recvmsgHidden ? "poll+recvmsg" : datagramBuffers != null ? "multishot"
                        : !datagramNote.equals("not yet used") ? "single-shot"
                        : multishotAllowed && providedBuffers != null ? "multishot" : "single-shot")
                + (overflowFlushes > 0 ? " cq-overflows=" + overflowFlushes : "")
                + (lossReported ? " completions-lost" : "");
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
     * cancel it and wait (bounded) for its CQE before the memory it reads into may go. If it
     * never comes (its CQE was lost with others), that memory is left allocated.
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        for (int i = 0; i < 200 && wakeReads > 0; i++) {
            if (i % 50 == 0 && room(1)) {
                writeCancel(WAKEUP, wakeReads > 1 ? IoUringConstants.IORING_ASYNC_CANCEL_ALL : 0);
            }
            ring.enterWaiting(10_000_000L);
            reap();
        }
        if (providedBuffers != null) {
            providedBuffers.close();
        }
        if (datagramBuffers != null) {
            datagramBuffers.close();
        }
        ring.exit();
        LibC.close(wakeFd);
        if (wakeReads == 0) {
            arena.close();
        } else {
            LOG.log(System.Logger.Level.WARNING, "loop " + loopIndex + ": the kernel never confirmed the end of its"
                    + " wakeup read; its ring memory stays allocated");
        }
        sharedArena.close();
    }
}
