package io.jring.op;

import io.jring.NativeIoException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One asynchronous operation, defined once with both of its forms:
 *
 * <ul>
 *   <li>the <b>completion form</b> (io_uring): {@link #prepare(Sqe)} fills an SQE, and the
 *       CQE's {@code res} comes back through {@link #complete(long, int)};
 *   <li>the <b>readiness form</b> (epoll): wait for {@link #interest()}, then
 *       {@link #attempt()} the non-blocking syscall, whose result (or {@code -EAGAIN}: wait
 *       again) goes through the same {@link #complete(long, int)}.
 * </ul>
 *
 * Results follow the kernel's convention in both forms: a count, or {@code -errno}.
 *
 * <p>The op <em>is</em> the future the user gets, so an operation costs one object. Only the
 * op completes it ({@link RuntimeFuture} refuses the user's {@code complete}s). A user's
 * {@code cancel} completes the future at once (that is CompletableFuture's contract) and asks
 * the loop to cancel the kernel side; whatever the op holds stays alive until the kernel
 * confirms, and {@link OpOwner#opFinished} is only called then.
 */
public abstract class Op<T> extends RuntimeFuture<T> {
    /** {@link #complete(long, int)}: the op is over (its future is, or was, completed). */
    public static final int FINISHED = 0;
    /** {@link #complete(long, int)}: submit again (short write, transient error, one-shot re-arm). */
    public static final int RESUBMIT = 1;
    /** {@link #complete(long, int)}: a multishot op that the kernel keeps armed. */
    public static final int STILL_ARMED = 2;

    protected final OpContext context;
    protected final int fd;
    private final OpOwner owner;
    /**
     * The op's timeout and deadline, or null for none (most ops): one reference instead of two
     * longs keeps every op 16 bytes smaller, and only an op with a timeout pays for the record.
     */
    private final Timeout timeout;
    private Throwable cancelCause;

    /** Driver bookkeeping: the op-table slot (io_uring), the epoll driver's state, or -1. */
    private int slot = -1;

    /** {@link #deadlineIndex()} of an op not in its loop's deadline heap. */
    public static final int NOT_WATCHED = -1;
    /**
     * {@link #deadlineIndex()} once the op has ended: an op ends once. (A field of its own would
     * make every op 8 bytes bigger, and an ended op is in no heap.)
     */
    public static final int ENDED = -2;

    /** Loop bookkeeping: the op's place in its loop's deadline heap, {@link #NOT_WATCHED} or {@link #ENDED}. */
    private int deadlineIndex = NOT_WATCHED;

    protected Op(OpContext context, OpOwner owner, int fd, long timeoutNanos) {
        this.context = context;
        this.owner = owner;
        this.fd = fd;
        this.timeout = timeoutNanos > 0 ? new Timeout(timeoutNanos, System.nanoTime() + timeoutNanos) : null;
    }

    /** A timeout the user gave, and the System.nanoTime() it runs out at. */
    private record Timeout(long nanos, long deadline) {}

    // Accessors rather than public fields: the op is the future users hold, and its bookkeeping
    // is reachable only from the packages the runtime exports to its drivers (module-info).

    /** Driver bookkeeping: where the op is in its driver (an op-table slot, or a driver state). */
    public int slot() {
        return slot;
    }

    public void slot(int value) {
        slot = value;
    }

    /** The op's place in its loop's deadline heap, {@link #NOT_WATCHED} or {@link #ENDED}. */
    public int deadlineIndex() {
        return deadlineIndex;
    }

    public void deadlineIndex(int value) {
        deadlineIndex = value;
    }

    /** Short name for errors and logs: {@code recv}, {@code send}, ... */
    public abstract String name();

    /**
     * What an op does, for the few places a driver treats kinds differently (the epoll driver
     * tracks readiness for data transfers, and registers listening sockets apart). Drivers ask
     * this instead of testing op types, so a new op needs no driver change.
     */
    public enum Kind {
        /** One accept. */
        ACCEPT,
        /** An accept that goes on for the listener's whole life ({@code onAccept}). */
        ACCEPT_STREAM,
        CONNECT,
        /** Reads a connection's data (its result may show the socket drained). */
        RECEIVE,
        /** Writes a connection's data (its result may show the send buffer full). */
        SEND,
        SHUTDOWN,
        /** A file operation (open, read, write, sync, stat, close): no readiness to wait for. */
        FILE,
        /** Anything else (tests, internal ops). */
        OTHER
    }

    /** This op's {@link Kind}. */
    public Kind kind() {
        return Kind.OTHER;
    }

    public int fd() {
        return fd;
    }

    /**
     * The provided-buffer group this op's CQEs take buffers from (io_uring), so a driver that
     * must give back a buffer whose op failed returns it to the right ring.
     */
    public int bufferGroup() {
        return 0;
    }

    /**
     * Whether the next {@link #attempt()} may block the calling thread on a file (disk I/O, or
     * a file op the ring cannot do): a driver then never runs it on its loop thread but hands it
     * to its {@link io.jring.spi.BlockingPool}, and its result comes back to the loop. Asked
     * before every submission, so an op may move between the ring and the pool as it goes.
     */
    public boolean blocking() {
        return false;
    }

    // ---- completion form -------------------------------------------------------------------

    /** Fills the SQE for the (next) submission. */
    public abstract void prepare(Sqe sqe);

    // ---- readiness form --------------------------------------------------------------------

    /** The epoll events this op waits for: {@code EPOLLIN} or {@code EPOLLOUT}. */
    public abstract int interest();

    /** Performs the non-blocking syscall: a result, or {@code -errno} ({@code -EAGAIN}: not ready). */
    public abstract long attempt();

    /**
     * Whether {@code res}, a result of {@link #attempt()} not yet passed to {@link #complete},
     * shows that this op's direction of the descriptor is no longer ready although the call
     * did not answer EAGAIN: a stream read that returned fewer bytes than it asked for (the
     * socket is drained), or a write that took fewer than it offered (the send buffer is full).
     * The readiness driver then parks the next op of that direction without trying it; the
     * completion form ignores this. False unless an op knows better.
     */
    public boolean drainedBy(long res) {
        return false;
    }

    // ---- shared ------------------------------------------------------------------------------

    /**
     * Takes a result: {@code res} is a count or {@code -errno}; {@code flags} are the CQE's
     * flags (0 from the readiness form). Returns {@link #FINISHED}, {@link #RESUBMIT} or
     * {@link #STILL_ARMED}.
     */
    public abstract int complete(long res, int flags);

    /** Gives back whatever the op holds (buffers, a half-made socket). Called once, at the end. */
    protected void releaseResources() {}

    /** Completes the future with {@code value}, or disposes of the value if the user cancelled. */
    protected final int deliver(T value) {
        // Resources first: the user's stages run inside complete() and may reuse them at once
        // (recv(into) again with the same buffer, or count buffersInUse).
        releaseResources();
        if (!settle(value)) {
            discard(value);
        }
        return FINISHED;
    }

    /**
     * Completes the future with {@code value} unless it is already done (the user cancelled),
     * and says which: on false the caller still owns {@code value}. For results that must not
     * be lost to a cancel, such as data a recv takes from a connection's inbox.
     */
    protected final boolean completeIfWaiting(T value) {
        releaseResources();
        return settle(value);
    }

    /** Disposes of a result nobody will take (the future was cancelled meanwhile). */
    protected void discard(T value) {}

    /** Ends the op with a failure of its syscall. */
    protected final int fail(long res) {
        return fail(new NativeIoException(failedCall(), (int) -res));
    }

    protected final int fail(Throwable cause) {
        try {
            releaseResources(); // before the user's stages run, as in deliver()
        } finally {
            settleExceptionally(cause); // even if giving back failed: the op completes once, always
        }
        return FINISHED;
    }

    /**
     * Fails the future now with {@code cause} while the kernel may still hold the op: what it
     * holds stays until the driver ends it ({@link #aborted()} then releases it). For a driver
     * that learns results may be lost, as a user's cancel completes the future early.
     */
    public final void failNow(Throwable cause) {
        settleExceptionally(cause);
    }

    /**
     * Fails the future now, as a user's cancel would, while a blocking pool thread still runs
     * the op's syscall (it cannot be interrupted): what the op holds stays lent until its result
     * comes back and {@link #aborted()} gives it up. For deadlines and closes on the pool.
     */
    public final void failWhileRunning(Throwable cause) {
        if (!isDone()) {
            onCancelling();
            settleExceptionally(cause);
        }
    }

    /** How errors name this op's call, e.g. {@code recv} or {@code io_uring recv}. */
    protected String failedCall() {
        return name();
    }

    /** The op was cancelled in the kernel for {@link #cancelCause()}, or its deadline passed. */
    public final void aborted() {
        if (cancelCause != null) {
            fail(cancelCause);
        } else {
            fail(new TimeoutException(name() + " timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos()) + " ms"));
        }
    }

    /**
     * The op's deadline passed: from now on it ends as a {@link TimeoutException} (unless the
     * user's cancel came first), whether it still waits in the loop or the kernel has it.
     */
    public final void deadlinePassed() {
        cancelBecause(new TimeoutException(name() + " timed out after "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos()) + " ms"));
    }

    /**
     * Whether this op holds {@code [address, address + length)} until its last CQE: memory it
     * allocated, or a pooled block it took or borrowed. Asked by {@link Invariants} of every
     * address the op writes into an SQE; an op that names memory answers for it.
     */
    public boolean holdsMemory(long address, long length) {
        return false;
    }

    /** Called once by the driver when the op has ended; tells the loop and the owner, on the loop thread. */
    public final void finished() {
        if (deadlineIndex == ENDED) {
            // A second end would tell the owner twice (a send queue starting two sends, a
            // receiver serving twice): never pass it on.
            Invariants.violated(name() + " on fd " + fd + " ended twice");
            return;
        }
        if (Invariants.ENABLED && !isDone() && !reusable()) {
            Invariants.violated(name() + " on fd " + fd + " ended with its future still pending");
        }
        context.opEnded(this); // out of the deadline heap
        deadlineIndex = ENDED;
        if (owner != null) {
            owner.opFinished(this);
        }
    }

    /**
     * Whether this op may be submitted again after it ends, as long as its future is pending: an
     * internal op whose future never reaches the user (a connection's futureless send), so
     * nothing can observe it being used twice. Such an op ends without completing its future, and
     * is made ready again by {@link #reuse()}; once its future is done (a close failed it) it ends
     * for good like any other op. (Only the invariant check asks this: {@code finished} is hot.)
     */
    protected boolean reusable() {
        return false;
    }

    /** A {@link #reusable()} op that ended with its future pending may be submitted once more. */
    protected final void reuse() {
        if (!reusable() || isDone() || deadlineIndex != ENDED) {
            throw new IllegalStateException(name() + " on fd " + fd + " cannot be reused: "
                    + (isDone() ? "its future is done" : "it has not ended"));
        }
        deadlineIndex = NOT_WATCHED;
    }

    /** Who hears when this op ends (its connection or listener), or null. */
    public OpOwner owner() {
        return owner;
    }

    /** True once cancel was asked for (by the user or by a close). */
    public boolean cancelRequested() {
        return cancelCause != null;
    }

    public Throwable cancelCause() {
        return cancelCause;
    }

    /** Records why the kernel side is being cancelled; the first cause wins. */
    public void cancelBecause(Throwable cause) {
        if (cancelCause == null) {
            cancelCause = cause;
        }
    }

    /** The timeout the user gave, in nanoseconds, or 0 for none. */
    public long timeoutNanos() {
        return timeout != null ? timeout.nanos() : 0;
    }

    /**
     * The System.nanoTime() deadline, or 0 for none. The clock starts when the op is made (when
     * the user calls), so time spent queued behind earlier operations counts too.
     */
    public long deadlineNanos() {
        return timeout != null ? timeout.deadline() : 0;
    }

    /** join()/get() on this op's own loop thread would wait forever: the loop is what completes it. */
    @Override
    protected final boolean onCompletingLoop() {
        return context.inLoop();
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return false;
        }
        // Before the future completes: cancelling runs the future's stages right here, on this
        // thread, and they may already release the buffer this op borrowed.
        onCancelling();
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            context.requestCancel(this);
        }
        return cancelled;
    }

    /**
     * The user is cancelling this op (any thread): its future is about to end, the kernel side
     * is not. For an op that lends the user's memory, the moment the user may let go of it. It
     * may also come just before the op completes normally: then it must change nothing the
     * completion relies on.
     */
    protected void onCancelling() {}
}
