package io.jring.epoll;

import static io.jring.bindings.Linux.EPOLLERR;
import static io.jring.bindings.Linux.EPOLLET;
import static io.jring.bindings.Linux.EPOLLEXCLUSIVE;
import static io.jring.bindings.Linux.EPOLLHUP;
import static io.jring.bindings.Linux.EPOLLIN;
import static io.jring.bindings.Linux.EPOLLOUT;
import static io.jring.bindings.Linux.EPOLLRDHUP;
import static io.jring.bindings.Linux.EPOLL_CTL_ADD;
import static io.jring.bindings.Linux.EPOLL_CTL_DEL;
import static io.jring.bindings.SocketLayouts.EPOLL_DATA;
import static io.jring.bindings.SocketLayouts.EPOLL_EVENTS;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.jring.Backend;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.bindings.SocketLayouts;
import io.jring.op.Op;
import io.jring.spi.BlockingPool;
import io.jring.spi.Driver;
import io.jring.spi.DriverCounters;
import io.jring.spi.DriverSettings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The epoll reactor: one epoll fd per loop. An op is first tried at once (a send usually goes
 * straight into the socket buffer, which saves an epoll_wait round trip); only when its
 * syscall answers EAGAIN, or the descriptor is already known not to be ready for it, does it
 * park on its descriptor, until epoll says the descriptor is ready and the syscall is tried
 * again.
 *
 * <p><b>Edge-triggered.</b> A connection's descriptor is added with {@code EPOLLIN | EPOLLOUT |
 * EPOLLRDHUP | EPOLLET} and stays in the set: no EPOLL_CTL_MOD to switch interest per
 * operation (as EPOLLONESHOT would need), and no wakeups for a readable socket nobody is
 * reading (level triggering would report it on every wait). Edge triggering loses nothing here
 * because an op parks only once its direction is known not ready (its syscall, or an earlier
 * one, said EAGAIN or showed the direction drained), and parked ops are served until that is
 * so again: every later change of readiness is a new edge (see readiness tracking below).
 * When serving stops early (the work budget ran out) the descriptor goes to a backlog that the
 * next {@link #poll} serves without waiting for an edge.
 *
 * <p><b>Readiness tracking.</b> Trying a syscall only to hear EAGAIN costs as much as a useful
 * one, so each descriptor remembers per direction whether it may be ready ({@link FdState}):
 * set by epoll's report, cleared by EAGAIN and by a result that shows the direction drained
 * ({@link Op#drainedBy}): a stream read shorter than asked took all there was, a write shorter
 * than offered filled the send buffer. The data transfers (recv, send, sendv) consult it: one
 * submitted while its direction is known not ready parks at once, and serving parked ones
 * stops there, without the syscall. In an echo loop the next recv is submitted right after
 * the previous message, so it parks for free instead of costing an EAGAIN per message. This
 * loses no wakeup, for the same reason edge triggering loses none: a short read left the
 * receive queue empty and a short write left the socket flagged as out of space, so any later
 * data or space raises a new edge; this thread is not inside epoll_wait while it works, so the
 * edge waits in the epoll set's ready list and the next wait reports it, after the flag was
 * cleared. (An edge from before the syscall, still queued or later in the same batch, only
 * sets the flag again: one needless try, never a missed one.) A descriptor not yet registered
 * is registered when its op parks, and EPOLL_CTL_ADD reports readiness already there. The one
 * edge that does not repeat is a hang-up or error: after one, short reads no longer clear the
 * read side (the peer's last bytes and its FIN may arrive together, and the read after the
 * short one must still see the end of stream). The flags are cleared before {@code complete}
 * runs, since the user code it runs may close the descriptor, whose number then starts afresh
 * ({@link #closing}). Accepts, connects and shutdowns ignore the flags and always try, as
 * before: listeners are served until EAGAIN, and a connect or shutdown is rare.
 *
 * <p><b>Registered once per descriptor.</b> A descriptor is added (EPOLL_CTL_ADD) when the
 * first op parks on it, and the registration is trusted until the runtime says it is about
 * to close the descriptor ({@link #closing}): parking on a registered descriptor costs no
 * syscall, so a request/response connection makes one epoll_ctl in its life, not one per
 * request whose recv has to wait. {@code closing} forgets the registration (removing it
 * first only for listening sockets, see there); the kernel may then hand the number out again
 * as another socket, which is registered afresh when an op first parks on it. Events carry
 * the fd and a generation in their data: the events one epoll_wait fetched may include some
 * for a descriptor that an earlier event of the same batch closed (and whose number was then
 * reused); their generation no longer matches and they are dropped. Serving them to the new
 * socket would not always be harmless: a connect in progress asks {@code SO_ERROR}, which
 * reads 0 before the handshake is done. For the same reason serving one descriptor stops
 * when its generation changes under it. The rule needs every close of a descriptor this
 * driver may have registered to be announced; a missed one would leave a new socket under
 * that number unregistered and its ops parked forever.
 *
 * <p><b>Listening sockets</b> (recognized by their {@code accept} ops) are added with
 * {@code EPOLLIN | EPOLLET}, plus {@code EPOLLEXCLUSIVE} when the op is an accept stream
 * ({@code onAccept}): when every loop's epoll set watches one shared listening socket
 * ({@code ListenOptions.reusePort(false)}), a new connection then wakes one loop blocked in
 * epoll_wait, not all of them. That is only safe if the loop so woken will accept, which a
 * stream does: it stays parked for the listener's whole life. A single {@code accept()} may
 * be cancelled or time out just as its loop takes the one wakeup, leaving the connection in
 * the queue and another loop's accept asleep, so it gets a plain registration (every loop
 * with an accept waiting wakes, the losers get EAGAIN). For the same reason a listening socket
 * with no accept left here is removed (EPOLL_CTL_DEL) before the loop next blocks in
 * epoll_wait; until then it may stay, since a loop busy outside epoll_wait does not count as
 * woken (the kernel wakes the next one too), and an accept loop that asks again before the
 * wait costs no DEL and ADD. The kernel takes EPOLLEXCLUSIVE with EPOLLET but not with
 * EPOLLRDHUP, and only on EPOLL_CTL_ADD, never MOD (this driver uses no MOD); kernels before
 * 4.5 refuse it with EINVAL and get a plain registration.
 *
 * <p><b>Cancelled futures.</b> A user's cancel completes the op's future at once and reaches
 * this driver later, through the loop's task queue. An op found already completed when its
 * turn comes is ended without its syscall: an accept or recv would otherwise take a
 * connection or bytes that nobody will ever see.
 */
public final class EpollDriver implements Driver {
    // Op.slot() holds where the op is in this driver.
    private static final int NONE = -1;
    private static final int RUNNING = 0;            // inside attempt() or complete()
    private static final int RUNNING_CANCELLED = 1;  // ... and cancel() was called meanwhile
    private static final int PARKED = 2;             // waiting for readiness on its fd
    private static final int DEFERRED = 3;           // to be tried at the next poll
    private static final int POOLED = 4;             // its blocking attempt() runs on the blocking pool

    /** Results taken per descriptor and direction per turn, so one busy peer cannot starve the rest. */
    private static final int BUDGET = 64;
    /** Ops completing at submit can chain into new submits; past this depth they wait for the next poll. */
    private static final int MAX_DEPTH = 8;
    /** Returned by {@link #attempt} when the op threw; the op is then failed with what it threw. */
    private static final long THREW = Long.MIN_VALUE;
    /** Returned by {@link #complete} when the op's completion threw. */
    private static final int THREW_IN_COMPLETE = -1;
    private static final long WAKE = -1L;

    private static final int CONNECTION_EVENTS = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    private static final int LISTENER_EVENTS = EPOLLIN | EPOLLET;
    private static final int READ_READY = EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP;
    private static final int WRITE_READY = EPOLLOUT | EPOLLERR | EPOLLHUP;
    private static final int HANG_UP = EPOLLRDHUP | EPOLLERR | EPOLLHUP;
    private static final long EVENT_SIZE = SocketLayouts.EPOLL_EVENT.byteSize();

    private final Arena arena = Arena.ofConfined();
    private final Arena sharedArena = Arena.ofShared();
    private final int epollFd;
    private final int wakeFd;
    private final int maxEvents;
    private final MemorySegment events;
    private final MemorySegment ctlEvent;
    private final MemorySegment wakeReadBuffer;
    private final MemorySegment wakeWriteValue;
    private final ArrayDeque<FdState> backlog = new ArrayDeque<>();
    private final ArrayDeque<FdState> idleListeners = new ArrayDeque<>();
    private final ArrayDeque<Op<?>> deferred = new ArrayDeque<>();
    private final DriverCounters counters = new DriverCounters();
    /** Where ops whose attempt() may block (files, sendfile) run: never on this loop's thread. */
    private final BlockingPool blockingPool = new BlockingPool(this::wakeup);
    private FdState[] fds = new FdState[256];
    private int inFlight;
    private int depth;
    private int generation;
    private boolean exclusiveRefused;
    private volatile boolean closed;

    EpollDriver(DriverSettings settings) throws NativeIoException {
        this.maxEvents = Math.max(64, settings.ringEntries());
        this.epollFd = LibC.epollCreate1(Linux.EPOLL_CLOEXEC);
        if (epollFd < 0) {
            freeMemory();
            throw new NativeIoException("epoll_create1", epollFd);
        }
        this.wakeFd = LibC.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
        if (wakeFd < 0) {
            LibC.close(epollFd);
            freeMemory();
            throw new NativeIoException("eventfd", wakeFd);
        }
        this.events = arena.allocate(EVENT_SIZE * maxEvents, 8);
        this.ctlEvent = arena.allocate(SocketLayouts.EPOLL_EVENT);
        this.wakeReadBuffer = arena.allocate(JAVA_LONG);
        this.wakeWriteValue = sharedArena.allocate(JAVA_LONG); // written by other threads
        wakeWriteValue.set(JAVA_LONG, 0, 1L);
        // Level-triggered: the eventfd is drained every time it is reported anyway.
        int res = ctl(EPOLL_CTL_ADD, wakeFd, EPOLLIN, WAKE);
        if (res < 0) {
            close();
            throw new NativeIoException("epoll_ctl", res);
        }
    }

    @Override
    public Backend backend() {
        return Backend.EPOLL;
    }

    // ---- submission --------------------------------------------------------------------------

    @Override
    public void submit(Op<?> op) {
        inFlight++;
        counters.submitted(1);
        start(op);
    }

    /**
     * Tries the op now, unless ops already wait on its descriptor and direction (they go first)
     * or the direction is known not to be ready (the op would only meet EAGAIN).
     */
    private void start(Op<?> op) {
        if (op.kind() == Op.Kind.FILE) {
            offload(op); // nothing to wait for, and its descriptor may be none (openat's AT_FDCWD)
            return;
        }
        FdState fd = state(op.fd());
        boolean write = FdState.wantsWrite(op);
        if (fd.hasWaiters(write) || (!fd.ready(write) && tracked(op))) {
            park(op, fd, write);
        } else if (depth >= MAX_DEPTH) {
            defer(op);
        } else {
            depth++;
            try {
                run(op, fd, write);
            } finally {
                depth--;
            }
        }
    }

    /** Attempts an op that is not parked until it ends or must wait. */
    private void run(Op<?> op, FdState fd, boolean write) {
        op.slot(RUNNING);
        for (int budget = BUDGET; budget > 0; budget--) {
            if (op.isDone()) {
                end(op, true); // cancelled by the user meanwhile
                return;
            }
            if (op.blocking()) {
                offload(op);
                return;
            }
            long res = attempt(op);
            if (res == -Errno.EAGAIN) {
                fd.notReady(write);
                park(op, fd, write);
                return;
            }
            if (res == THREW) {
                end(op, true);
                return;
            }
            noteDrained(fd, op, write, res);
            int next = complete(op, res);
            if (next == THREW_IN_COMPLETE) {
                end(op, true);
                return;
            }
            if (next == Op.FINISHED || cancelled(op)) {
                end(op, next != Op.FINISHED);
                return;
            }
            if (!fd.ready(write) && tracked(op)) {
                park(op, fd, write); // e.g. the rest of a short send: wait for room
                return;
            }
        }
        defer(op); // e.g. an accept stream in a flood of connections: let the others have a turn
    }

    /** The data transfers, which follow the readiness flags (see the class comment). */
    private static boolean tracked(Op<?> op) {
        Op.Kind kind = op.kind();
        return kind == Op.Kind.RECEIVE || kind == Op.Kind.SEND;
    }

    /**
     * Clears the direction's flag if the successful {@code res} shows it drained. Called between
     * {@code attempt} and {@code complete}: nothing can have closed the descriptor in between.
     */
    private static void noteDrained(FdState fd, Op<?> op, boolean write, long res) {
        if ((write || !fd.hungUp) && op.drainedBy(res)) {
            fd.notReady(write);
        }
    }

    private void offload(Op<?> op) {
        if (tracked(op)) {
            FdState fd = state(op.fd());
            fd.edgesAtOffload = fd.edges(FdState.wantsWrite(op));
        }
        op.slot(POOLED);
        blockingPool.start(op);
    }

    /**
     * Takes the blocking pool's results on the loop thread. A result goes to the op's
     * {@code complete} like an attempt's would (even after a cancel: an open that succeeded must
     * still close its descriptor); EAGAIN from a data transfer (sendfile into a full socket)
     * parks it for the socket's next edge, as an attempt's EAGAIN does.
     */
    private void finishBlocking() {
        BlockingPool.Result result;
        while ((result = blockingPool.poll()) != null) {
            Op<?> op = result.op();
            if (result.thrown() != null) {
                op.cancelBecause(result.thrown());
                end(op, true);
                continue;
            }
            long res = result.res();
            boolean write = FdState.wantsWrite(op);
            if (res == -Errno.EAGAIN && tracked(op)) {
                FdState fd = state(op.fd());
                if (fd.edges(write) != fd.edgesAtOffload) {
                    // An edge came while the call ran: the socket may have room again and no
                    // other edge will come. Try again rather than wait for one.
                    op.slot(RUNNING);
                    start(op);
                    continue;
                }
                fd.notReady(write);
                park(op, fd, write); // or ends it, if it was cancelled meanwhile
                continue;
            }
            if (tracked(op)) {
                noteDrained(state(op.fd()), op, write, res);
            }
            op.slot(RUNNING);
            int next = complete(op, res);
            if (next == THREW_IN_COMPLETE) {
                end(op, true);
            } else if (next == Op.FINISHED || cancelled(op)) {
                end(op, next != Op.FINISHED);
            } else {
                start(op);
            }
        }
    }

    private void defer(Op<?> op) {
        op.slot(DEFERRED);
        deferred.add(op);
    }

    /** Parks the op until its descriptor is ready, registering the descriptor if it is not yet. */
    private void park(Op<?> op, FdState fd, boolean write) {
        if (cancelled(op)) {
            end(op, true);
            return;
        }
        if (!fd.registered) {
            int res = register(fd, op);
            if (res < 0) {
                // e.g. ENOSPC (fs.epoll.max_user_watches) or ENOMEM: this op fails, the loop goes on.
                op.cancelBecause(new NativeIoException("epoll_ctl", res));
                end(op, true);
                return;
            }
        }
        fd.waiters(write).addLast(op);
        op.slot(PARKED);
    }

    /** EPOLL_CTL_ADD under a new generation. */
    private int register(FdState fd, Op<?> op) {
        int gen = generation = generation == Integer.MAX_VALUE ? 1 : generation + 1;
        long data = ((long) gen << 32) | fd.fd;
        int events = switch (op.kind()) {
            case ACCEPT_STREAM -> LISTENER_EVENTS | EPOLLEXCLUSIVE;
            case ACCEPT -> LISTENER_EVENTS;
            default -> CONNECTION_EVENTS;
        };
        if (exclusiveRefused) {
            events &= ~EPOLLEXCLUSIVE;
        }
        int res = ctl(EPOLL_CTL_ADD, fd.fd, events, data);
        if (res == -Errno.EEXIST) {
            // Cannot happen while every close is announced: the set already holds this open
            // file, under data we no longer know. Replace it rather than wait on stale data.
            ctl(EPOLL_CTL_DEL, fd.fd, 0, 0);
            res = ctl(EPOLL_CTL_ADD, fd.fd, events, data);
        }
        if (res == -Errno.EINVAL && (events & EPOLLEXCLUSIVE) != 0) {
            exclusiveRefused = true; // kernel older than 4.5
            res = ctl(EPOLL_CTL_ADD, fd.fd, events & ~EPOLLEXCLUSIVE, data);
        }
        if (res == 0) {
            fd.registered = true;
            fd.generation = gen;
            fd.listenerRegistered = op.kind() == Op.Kind.ACCEPT || op.kind() == Op.Kind.ACCEPT_STREAM;
        }
        return res;
    }

    /** Removes our registration of {@code fd} (the descriptor must still be open) and forgets it. */
    private void unregister(FdState fd) {
        ctl(EPOLL_CTL_DEL, fd.fd, 0, 0);
        forget(fd);
    }

    /** Whatever our registration had queued, in this batch or later, is stale from now on. */
    private static void forget(FdState fd) {
        fd.registered = false;
        fd.listenerRegistered = false;
        fd.generation = 0;
    }

    /**
     * The runtime closes {@code fd} next: forget its registration, so that the number, once
     * reused, is registered afresh. Ops are no longer parked on it; one may still be inside
     * {@code complete} (a failed connect closes its own socket there), and whoever serves it
     * sees the generation change and stops serving this number.
     *
     * <p>Removing the registration first (EPOLL_CTL_DEL) is needed for a listening socket only:
     * one shared by every loop stays open, and registered in the other loops' epoll sets, after
     * this loop is done with it, and a registration left here (with EPOLLEXCLUSIVE) would take
     * wakeups that a loop still accepting needs. A connection's registration is left to the
     * kernel, which drops it when the descriptor is closed, so closing a connection costs no
     * syscall here. The kernel does so only when the last reference to the open file goes
     * away: a dup'd descriptor or a forked child (e.g. between fork and exec in process
     * spawning) keeps the registration alive. The runtime never dups, its sockets are
     * close-on-exec, and what such a lingering registration can still report carries a
     * generation that no longer matches, so it is dropped: an explicit DEL, one syscall per
     * connection, would buy nothing the generation check does not already give.
     */
    @Override
    public void closing(int fdNumber) {
        FdState fd = fdNumber >= 0 && fdNumber < fds.length ? fds[fdNumber] : null;
        if (fd == null) {
            return; // never used here
        }
        if (fd.listenerRegistered) {
            unregister(fd);
        } else {
            forget(fd);
        }
        // A backlog entry would serve the number's next socket without its own readiness.
        fd.backlogRead = false;
        fd.backlogWrite = false;
        fd.resetReadiness(); // the next socket under this number: maybe ready, try it
    }

    private int ctl(int op, int fd, int events, long data) {
        ctlEvent.set(JAVA_INT_UNALIGNED, EPOLL_EVENTS, events);
        ctlEvent.set(JAVA_LONG_UNALIGNED, EPOLL_DATA, data);
        return LibC.epollCtl(epollFd, op, fd, ctlEvent);
    }

    /**
     * The op's {@code complete}, with what it throws (its own code: the user's stages cannot
     * throw through a future) contained to that op: it ends as a failure with that exception,
     * the loop goes on. Nothing of it is in the kernel, so it may give back what it holds.
     */
    private int complete(Op<?> op, long res) {
        counters.completed(1);
        try {
            return op.complete(res, 0);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            System.getLogger("io.jring").log(System.Logger.Level.WARNING,
                    op.name() + " on fd " + op.fd() + " threw in its completion; that operation fails, the loop goes on", e);
            op.cancelBecause(e);
            return THREW_IN_COMPLETE;
        }
    }

    private long attempt(Op<?> op) {
        try {
            return op.attempt();
        } catch (RuntimeException e) {
            op.cancelBecause(e); // ends as a failure of this op, not of the loop
            return THREW;
        }
    }

    /**
     * Cancelling is immediate: nothing of a parked op is in the kernel. An op inside its own
     * {@code complete} (the user cancelled from a callback) is ended by the code running it.
     */
    @Override
    public boolean cancel(Op<?> op) {
        switch (op.slot()) {
            case PARKED -> {
                unpark(op);
                end(op, true);
                return true;
            }
            case DEFERRED -> {
                deferred.removeFirstOccurrence(op);
                end(op, true);
                return true;
            }
            case RUNNING, RUNNING_CANCELLED -> {
                op.slot(RUNNING_CANCELLED);
                return true;
            }
            case POOLED -> {
                if (blockingPool.cancel(op) == BlockingPool.REMOVED) {
                    end(op, true); // no thread ever ran it
                }
                return true; // else it ends when its syscall returns
            }
            default -> {
                return false;
            }
        }
    }

    /** Whether an op that would go on (RESUBMIT, or parking) must end instead. */
    private static boolean cancelled(Op<?> op) {
        return op.slot() == RUNNING_CANCELLED || op.cancelRequested() || op.isDone();
    }

    /** Called while the fd is still open: the op leaving may be what keeps it open. */
    private void unpark(Op<?> op) {
        FdState fd = fds[op.fd()];
        fd.waiters(FdState.wantsWrite(op)).removeFirstOccurrence(op);
        if (fd.listenerRegistered && fd.idle() && !fd.unregisterPending) {
            fd.unregisterPending = true;
            idleListeners.add(fd);
        }
    }

    /** Before blocking: no accept waits on these here, so EPOLLEXCLUSIVE must wake a loop that has one. */
    private void unregisterIdleListeners() {
        FdState fd;
        while ((fd = idleListeners.poll()) != null) {
            fd.unregisterPending = false;
            // A listener closed meanwhile was unregistered by closing(), and its number, if
            // reused already, is registered afresh as a connection (listenerRegistered is false).
            if (fd.listenerRegistered && fd.idle()) {
                unregister(fd);
            }
        }
    }

    /** The op is over. Its owner may submit more from {@code finished}, so our state is settled first. */
    private void end(Op<?> op, boolean aborted) {
        op.slot(NONE);
        inFlight--;
        if (aborted) {
            op.aborted();
        }
        op.finished();
    }

    /** Locked against {@link #close()}: a late waker must never write into a recycled descriptor. */
    @Override
    public synchronized void wakeup() {
        if (!closed) {
            LibC.write(wakeFd, wakeWriteValue, 8);
        }
    }

    // ---- readiness ---------------------------------------------------------------------------

    @Override
    public void poll(long waitNanos) {
        // Work left over from the last turn is served after this wait's events, so it must not block.
        unregisterIdleListeners();
        int backlogged = backlog.size();
        int deferredOps = deferred.size();
        int timeout = waitNanos != 0 && backlogged == 0 && deferredOps == 0 && !blockingPool.hasResults()
                ? roundUpToMillis(waitNanos) : 0;
        counters.entered(); // counted as it is made: a loop waiting in its first call has made one
        int count = LibC.epollWait(epollFd, events, maxEvents, timeout);
        if (count < 0) {
            if (count != -Errno.EINTR) {
                throw new IllegalStateException(new NativeIoException("epoll_wait", count));
            }
            count = 0;
        }
        for (int i = 0; i < count; i++) {
            dispatch(events.get(JAVA_INT_UNALIGNED, i * EVENT_SIZE + EPOLL_EVENTS),
                    events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + EPOLL_DATA));
        }
        serveBacklog(backlogged);
        for (int i = 0; i < deferredOps && !deferred.isEmpty(); i++) {
            start(deferred.poll());
        }
        finishBlocking();
    }

    private void dispatch(int ready, long data) {
        if (data == WAKE) {
            LibC.read(wakeFd, wakeReadBuffer, 8);
            return;
        }
        int fdNumber = (int) data;
        int gen = (int) (data >>> 32);
        FdState fd = fdNumber < fds.length ? fds[fdNumber] : null;
        if (fd == null || fd.generation != gen) {
            return; // a registration replaced since (the number was closed and reused)
        }
        if ((ready & READ_READY) != 0) {
            fd.readReady = true;
            fd.readEdges++;
            if ((ready & HANG_UP) != 0) {
                fd.hungUp = true;
            }
            if (!serve(fd, false)) {
                toBacklog(fd, false);
            }
        }
        // Serving the readers may have closed the descriptor and registered its number anew.
        if ((ready & WRITE_READY) != 0 && fd.generation == gen) {
            fd.writeReady = true;
            fd.writeEdges++;
            if (!serve(fd, true)) {
                toBacklog(fd, true);
            }
        }
    }

    /**
     * Tries the ops parked on one direction, oldest first, until one meets EAGAIN (it stays
     * parked) or a result shows the direction drained (the data transfers left wait for the
     * next edge). Each op is looked up afresh: completing one may cancel, end or park others, or
     * close the descriptor, whose number's next socket (if already reused) then has a
     * registration of its own and waits for its own events. Returns false if the budget ran
     * out first.
     */
    private boolean serve(FdState fd, boolean write) {
        int gen = fd.generation;
        for (int budget = BUDGET; budget > 0; budget--) {
            Op<?> op = fd.first(write);
            if (op == null || fd.generation != gen) {
                return true;
            }
            if (op.isDone()) {
                unpark(op); // cancelled by the user: the cancel itself is still on its way here
                end(op, true);
                continue;
            }
            if (!fd.ready(write) && tracked(op)) {
                return true; // drained by the previous op: the next edge serves it
            }
            if (op.blocking()) {
                unpark(op); // the ops behind it wait: it is still first in line until its result comes
                offload(op);
                return true;
            }
            op.slot(RUNNING);
            long res = attempt(op);
            if (res == -Errno.EAGAIN) {
                fd.notReady(write);
                op.slot(PARKED);
                return true;
            }
            int next = Op.FINISHED;
            boolean threw = res == THREW;
            if (!threw) {
                noteDrained(fd, op, write, res);
                next = complete(op, res);
                threw = next == THREW_IN_COMPLETE;
            }
            if (threw || next == Op.FINISHED || cancelled(op)) {
                unpark(op);
                end(op, threw || next != Op.FINISHED);
            } else {
                // RESUBMIT (a short send, the next connection of an accept stream): go again,
                // behind any other op waiting here.
                op.slot(PARKED);
                ArrayDeque<Op<?>> waiters = fd.waiters(write);
                if (waiters.size() > 1 && waiters.removeFirstOccurrence(op)) {
                    waiters.addLast(op);
                }
            }
        }
        return false;
    }

    private void toBacklog(FdState fd, boolean write) {
        if (!fd.inBacklog()) {
            backlog.add(fd);
        }
        if (write) {
            fd.backlogWrite = true;
        } else {
            fd.backlogRead = true;
        }
    }

    /** Serves the directions whose serving ran out of budget: no new edge will come for them. */
    private void serveBacklog(int count) {
        for (int i = 0; i < count && !backlog.isEmpty(); i++) {
            FdState fd = backlog.poll();
            boolean read = fd.backlogRead;
            boolean write = fd.backlogWrite;
            fd.backlogRead = false;
            fd.backlogWrite = false;
            if (read && !serve(fd, false)) {
                toBacklog(fd, false);
            }
            if (write && !serve(fd, true)) {
                toBacklog(fd, true);
            }
        }
    }

    /** Rounded up, so the loop never wakes just before its next timer and spins with timeout 0. */
    private static int roundUpToMillis(long nanos) {
        return nanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    // ---- the rest ----------------------------------------------------------------------------

    private FdState state(int fd) {
        if (fd >= fds.length) {
            fds = Arrays.copyOf(fds, Math.max(fd + 1, fds.length * 2));
        }
        FdState state = fds[fd];
        return state != null ? state : (fds[fd] = new FdState(fd));
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public DriverCounters counters() {
        return counters;
    }

    @Override
    public String describe() {
        return "epoll edge-triggered (accept streams " + (exclusiveRefused ? "without" : "with")
                + " EPOLLEXCLUSIVE), eventfd wakeup, " + maxEvents + " events per wait";
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        LibC.close(wakeFd);
        LibC.close(epollFd);
        freeMemory();
    }

    private void freeMemory() {
        arena.close();
        sharedArena.close();
    }
}
