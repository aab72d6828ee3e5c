package io.jring.loop;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import io.jring.LoopStats;
import io.jring.op.Invariants;
import io.jring.op.Op;
import io.jring.op.OpContext;
import io.jring.spi.Driver;
import io.jring.spi.DriverCounters;
import io.jring.spi.DriverFactory;
import io.jring.spi.DriverSettings;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One event loop: a thread that owns a driver (a ring or an epoll fd), a buffer pool and the
 * connections and listening sockets placed on it. Nothing here is locked: state is touched
 * only on the loop thread, and other threads reach it through {@link #execute}, which queues
 * the task and wakes the loop.
 */
public final class EventLoop implements OpContext, Executor {
    private final int index;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Set by the first producer after the loop last looked; the loop clears it before it looks. */
    private final AtomicBoolean wakeupArmed = new AtomicBoolean();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Set<Closeable> resources = new HashSet<>();
    private final Deadlines deadlines = new Deadlines();
    private final PoolReclaim reclaim;
    /** With {@link Invariants#ENABLED}: ops submitted and not yet ended, which must be none at the stop. */
    private final Set<Op<?>> submitted = Invariants.ENABLED ? java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()) : null;
    private volatile Driver driver;
    private volatile BufferPool pool;
    /** Buffers that hold a whole datagram, made when a datagram socket first uses this loop. */
    private volatile BufferPool datagramPool;
    private BufferMemory bufferMemory;
    /** Loop thread only: the kernel answered EINVAL to a multishot recvmsg once. */
    private volatile boolean multishotRecvmsgRefused;
    private volatile boolean shutdownRequested;
    /** Set once the loop has stopped for good; {@link #execute} then runs tasks on the caller's thread. */
    private volatile boolean stopped;
    private boolean shuttingDown;
    /** Loop thread only: the driver is open (set once it opened, cleared just before it closes). */
    private boolean driverOpen;
    /** Loop thread only: the kernel answered EINVAL to a multishot recv once. */
    private boolean multishotRecvRefused;
    /**
     * Loop iterations so far, published once per iteration for the {@link LoopWatchdog} with an
     * opaque store (no fence): a value that stops moving while the thread is not waiting in
     * the kernel means a callback holds the loop.
     */
    private long progress;
    private static final VarHandle PROGRESS;
    /** Connections registered here now; loop thread writes (opaque), any thread reads (stats). */
    private int connections;
    private static final VarHandle CONNECTIONS;
    /** Receives that found the provided-buffer ring empty (ENOBUFS); as {@link #connections}. */
    private long providedBufferShortages;
    private static final VarHandle SHORTAGES;
    /** Sends of at least this many bytes go zero-copy where the ring has SEND_ZC; 0: never. */
    private volatile int zeroCopySendThreshold;
    /** The kernel's id of the loop thread ({@link KernelWait}), or -1. */
    private volatile long kernelThreadId = -1;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PROGRESS = lookup.findVarHandle(EventLoop.class, "progress", long.class);
            CONNECTIONS = lookup.findVarHandle(EventLoop.class, "connections", int.class);
            SHORTAGES = lookup.findVarHandle(EventLoop.class, "providedBufferShortages", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Something placed on this loop that must be closed when it shuts down. */
    interface Closeable {
        void closeForShutdown();
    }

    public EventLoop(int index, String backendLabel, DriverFactory factory, DriverSettings settings,
                     int bufferSize, int buffersPerLoop, BufferMemory bufferMemory, PoolReclaim reclaim) {
        this.index = index;
        this.reclaim = reclaim;
        this.thread = new LoopThread(() -> run(factory, settings, bufferSize, buffersPerLoop, bufferMemory),
                "jring-" + backendLabel + "-" + index);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Completes once the driver is open, or fails with why it could not open. */
    public CompletableFuture<Void> started() {
        return started;
    }

    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    public Thread thread() {
        return thread;
    }

    public int index() {
        return index;
    }

    /** Loop iterations so far (any thread; may lag a little behind the loop). */
    long progress() {
        return (long) PROGRESS.getOpaque(this);
    }

    long kernelThreadId() {
        return kernelThreadId;
    }

    public Driver driver() {
        return driver;
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Whether the calling thread is any jring event loop, of any runtime: blocking calls (the
     * connection streams, a blocking accept) refuse to park one, since every connection on it
     * would stall and the very completion they wait for might be its to deliver.
     *
     * @return true on a loop thread
     */
    public static boolean onAnyLoopThread() {
        return Thread.currentThread() instanceof LoopThread;
    }

    /** Marks loop threads so {@link #onAnyLoopThread()} is one type check. */
    private static final class LoopThread extends Thread {
        LoopThread(Runnable body, String name) {
            super(body, name);
        }
    }

    /** Sets the smallest send that goes zero-copy (0: never); set once, before any connection exists. */
    public void zeroCopySendThreshold(int bytes) {
        zeroCopySendThreshold = bytes;
    }

    /**
     * Whether a send of {@code bytes} should go zero-copy here: at or above the threshold, and
     * this loop's ring has SEND_ZC (not on epoll, an older kernel, or with it hidden).
     */
    boolean zeroCopyFor(long bytes) {
        int threshold = zeroCopySendThreshold;
        return threshold > 0 && bytes >= threshold && driver.ringSupports(io.jring.bindings.IoUringConstants.IORING_OP_SEND_ZC);
    }

    /** Runs {@code task} on the loop thread: queued and the loop woken (or run later if already there). */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (stopped) {
            // Nobody will run it there any more. Every resource is closed, so tasks from now on
            // only fail their operations (ConnectionClosedException): run them here, or they hang.
            runTasks();
            return;
        }
        if (!inLoop() && wakeupArmed.compareAndSet(false, true)) {
            Driver d = driver;
            if (d != null) {
                d.wakeup();
            }
        }
    }

    /** Runs {@code task} now if on the loop thread, else queues it. */
    public void run(Runnable task) {
        if (inLoop()) {
            task.run();
        } else {
            execute(task);
        }
    }

    /** Asks the loop to close what it owns, finish every operation, then stop. */
    public void shutdown() {
        shutdownRequested = true;
        execute(() -> {});
    }

    void register(Closeable resource) {
        if (resources.add(resource) && resource instanceof TcpConnection) {
            CONNECTIONS.setOpaque(this, connections + 1);
        }
    }

    void unregister(Closeable resource) {
        if (resources.remove(resource) && resource instanceof TcpConnection) {
            CONNECTIONS.setOpaque(this, connections - 1);
        }
    }

    /**
     * This loop's counters now, from any thread, without asking the loop: so it answers while a
     * callback holds the loop (when one most wants to look) and after it stopped (the final
     * counts). Each number is exact; together they are not one atomic cut (see {@link
     * io.jring.spi.DriverCounters}). Null before the driver opened.
     */
    public LoopStats stats() {
        Driver d = driver;
        BufferPool p = pool;
        if (d == null || p == null) {
            return null;
        }
        DriverCounters kernel = d.counters();
        return new LoopStats(thread.getName(), d.backend(), kernel.submitted(), kernel.completed(),
                kernel.enterCalls(), kernel.cqOverflows(), (long) SHORTAGES.getOpaque(this), p.refusals(),
                kernel.zeroCopySends(), kernel.zeroCopyCopied(),
                p.inUse(), p.mappedBytes(), (int) CONNECTIONS.getOpaque(this));
    }

    private void run(DriverFactory factory, DriverSettings settings, int bufferSize, int buffersPerLoop,
                     BufferMemory bufferMemory) {
        kernelThreadId = KernelWait.currentThreadId();
        this.bufferMemory = bufferMemory;
        try {
            pool = new BufferPool(bufferSize, buffersPerLoop, bufferMemory, BufferPool.DEFAULT_IDLE_NANOS);
            pool.ownedBy(Thread.currentThread()); // this loop's acquires and releases take no lock
            // A slab released on another thread may become idle while this loop sleeps without a
            // deadline: wake it so it times the slab's release.
            pool.onSlabIdle(() -> {
                if (!inLoop()) {
                    execute(() -> {});
                }
            });
            driver = factory.open(settings, pool);
        } catch (Throwable t) {
            if (pool != null) {
                pool.close(); // nothing ever used it
            }
            reclaim.loopStopped(null);
            started.completeExceptionally(t);
            terminated.complete(null);
            return;
        }
        driverOpen = true;
        started.complete(null);
        try {
            loop();
        } catch (Throwable t) {
            // Operations may still be in the kernel: leak the ring and the pool rather than free
            // memory the kernel could still write into.
            System.getLogger("io.jring").log(System.Logger.Level.ERROR, "event loop " + index
                    + " crashed; its ring and buffers are left allocated", t);
            reclaim.loopStopped(null);
            terminated.completeExceptionally(t);
            return;
        }
        if (submitted != null && !submitted.isEmpty()) {
            Invariants.violated("loop " + index + " stopped with ops that never ended: " + submitted);
        }
        driverOpen = false;
        driver.close();
        BufferPool datagrams = datagramPool;
        if (datagrams != null) {
            reclaim.alsoFree(datagrams); // its buffers may be on another loop's socket too
        }
        reclaim.loopStopped(pool); // freed once every loop has stopped
        stopped = true;
        runTasks(); // queued between the loop's last look and now
        terminated.complete(null);
    }

    private void loop() {
        long iterations = 0;
        while (pass(++iterations)) {
            // every pass is in pass()
        }
    }

    /**
     * One pass of the loop: tasks, one poll of the driver, deadlines, idle memory. False once
     * the loop may stop. A method of its own because of how the JIT compiles: a loop that is
     * entered once and never left is compiled only by on-stack replacement, which waits for
     * tens of thousands of back edges (at a few thousand passes a second, 10 to 30 s of running
     * the loop body in the interpreter); a method called every pass is compiled within a
     * second or two.
     */
    private boolean pass(long iteration) {
        PROGRESS.setOpaque(this, iteration);
        wakeupArmed.set(false);
        runTasks();
        if (shutdownRequested && !shuttingDown) {
            shuttingDown = true;
            for (Closeable resource : new ArrayList<>(resources)) {
                resource.closeForShutdown();
            }
        }
        if (shuttingDown && resources.isEmpty() && driver.inFlight() == 0 && tasks.isEmpty()) {
            return false;
        }
        long now = System.nanoTime();
        driver.poll(tasks.isEmpty() ? earliest(deadlines.nanosToNext(now), pool.nanosToTrim(now)) : 0);
        expireDeadlines();
        pool.trimIdle(System.nanoTime()); // grown slabs idle long enough go back to the system
        BufferPool datagrams = datagramPool;
        if (datagrams != null) {
            datagrams.trimIdle(System.nanoTime());
        }
        return true;
    }

    /** The sooner of two waits in nanoseconds, where -1 means none. */
    private static long earliest(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /**
     * The one place deadlines are enforced, on both backends: an op whose deadline passed is
     * cancelled with a TimeoutException as its cause. The driver cancels it if it has it (the
     * end arrives as usual, once the kernel confirms, or the result if that came first);
     * otherwise it still waits with its owner, who ends it now.
     */
    private void expireDeadlines() {
        if (deadlines.size() == 0) {
            return;
        }
        long now = System.nanoTime();
        Op<?> op;
        while ((op = deadlines.pollExpired(now)) != null) {
            op.deadlinePassed();
            if (!driver.cancel(op) && op.owner() != null) {
                op.owner().deadlinePassed(op);
            }
        }
    }

    /** Starts {@code op} in the driver; the loop watches its deadline until it ends. */
    void submit(Op<?> op) {
        watchDeadline(op);
        if (submitted != null) {
            submitted.add(op);
        }
        driver.submit(op);
    }

    /** Watches {@code op}'s deadline (if it has one) until it ends or {@link #unwatchDeadline}. */
    void watchDeadline(Op<?> op) {
        if (op.deadlineNanos() != 0 && op.deadlineIndex() == Op.NOT_WATCHED) {
            deadlines.add(op);
        }
    }

    void unwatchDeadline(Op<?> op) {
        if (op.deadlineIndex() >= 0) {
            deadlines.remove(op);
        }
    }

    @Override
    public void opEnded(Op<?> op) {
        unwatchDeadline(op);
        if (submitted != null) {
            submitted.remove(op);
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                // A user's continuation ran on this thread and threw: log it, keep serving the rest.
                System.getLogger("io.jring").log(System.Logger.Level.WARNING, "task on loop " + index + " threw", e);
            }
        }
    }

    boolean isShuttingDown() {
        return shuttingDown || shutdownRequested;
    }

    // ---- OpContext ---------------------------------------------------------------------------

    @Override
    public BufferPool pool() {
        return pool;
    }

    @Override
    public int providedBufferGroup() {
        return driver.providedBufferGroup();
    }

    @Override
    public IoBuffer takeProvidedBuffer(int bid, int length) {
        return driver.takeProvidedBuffer(bid, length);
    }

    @Override
    public boolean fixedBuffersRegistered() {
        return driver.fixedBuffersRegistered();
    }

    /** A datagram buffer: 64 KiB for the largest UDP payload (65,527 bytes over IPv6) plus the kernel's header and name. */
    public static final int DATAGRAM_BLOCK_SIZE = 64 * 1024 + 4096;
    /** Datagram blocks in the pool's first slab (1088 KiB): the provided ring's share and a few for single receives and sends. */
    static final int DATAGRAM_BLOCKS_PER_SLAB = 16;

    @Override
    public BufferPool datagramPool() {
        BufferPool datagrams = datagramPool;
        if (datagrams == null) {
            synchronized (this) {
                datagrams = datagramPool;
                if (datagrams == null) {
                    datagrams = BufferPool.forDatagrams(DATAGRAM_BLOCK_SIZE, DATAGRAM_BLOCKS_PER_SLAB, bufferMemory,
                            BufferPool.DEFAULT_IDLE_NANOS);
                    datagrams.onSlabIdle(() -> {
                        if (!inLoop()) {
                            execute(() -> {}); // the loop times the slab's release
                        }
                    });
                    datagramPool = datagrams;
                }
            }
        }
        return datagrams;
    }

    /** The datagram pool if one was made, else null (for counts). */
    public BufferPool datagramPoolIfMade() {
        return datagramPool;
    }

    @Override
    public int datagramBufferGroup() {
        return multishotRecvmsgRefused ? -1 : driver.datagramBufferGroup(datagramPool());
    }

    @Override
    public IoBuffer takeDatagramBuffer(int bid) {
        return driver.takeDatagramBuffer(bid);
    }

    @Override
    public boolean recvmsgInRing() {
        return driver.recvmsgInRing();
    }

    /** Whether the kernel refused a multishot recvmsg on this loop (for describe and doctor). */
    public boolean refusedMultishotRecvmsg() {
        return multishotRecvmsgRefused;
    }

    @Override
    public void multishotRecvmsgRefused() {
        if (!multishotRecvmsgRefused) {
            multishotRecvmsgRefused = true;
            System.getLogger("io.jring").log(System.Logger.Level.INFO, "loop " + index
                    + ": the kernel refused multishot recvmsg (before Linux 6.0); one recvmsg per receive from now on");
        }
    }

    @Override
    public boolean ringSupports(int opcode) {
        return driver.ringSupports(opcode);
    }

    @Override
    public boolean multishotAccept() {
        return driver.multishotAccept();
    }

    @Override
    public boolean multishotRecv() {
        return !multishotRecvRefused && driver.multishotRecv();
    }

    @Override
    public void providedBuffersRanOut() {
        SHORTAGES.setOpaque(this, providedBufferShortages + 1);
    }

    @Override
    public void zeroCopySent(boolean copied) {
        driver.counters().zeroCopyNotified(copied);
    }

    @Override
    public void multishotRecvRefused() {
        if (!multishotRecvRefused) {
            multishotRecvRefused = true;
            System.getLogger("io.jring").log(System.Logger.Level.INFO,
                    "loop " + index + ": the kernel refused multishot recv (before Linux 6.0); one recv per call from now on");
        }
    }

    @Override
    public Connection adopt(int fd, boolean unixDomain) {
        TcpConnection connection;
        try {
            connection = new TcpConnection(this, fd, unixDomain);
        } catch (RuntimeException | Error e) {
            io.jring.bindings.LibC.close(fd); // nobody else will: the socket would leak
            throw e;
        }
        if (shuttingDown) {
            connection.close();
        } else {
            register(connection);
        }
        return connection;
    }

    /** Turns a descriptor a {@code FileOpenOp} opened into a file owned by this loop (loop thread). */
    io.jring.AsyncFile adoptFile(int fd, java.nio.file.Path path) {
        LoopFile file = new LoopFile(this, fd, path);
        if (shuttingDown) {
            file.close();
        } else {
            register(file);
        }
        return file;
    }

    /** Opens {@code path} on this loop: OPENAT on the ring, or openat on the blocking pool. */
    public java.util.concurrent.CompletableFuture<io.jring.AsyncFile> openFile(java.nio.file.Path path, int flags) {
        io.jring.op.FileOpenOp op = new io.jring.op.FileOpenOp(this, path, flags, fd -> adoptFile(fd, path), 0);
        run(() -> {
            if (isShuttingDown()) {
                abandon(op, "runtime is closed");
            } else {
                submit(op);
            }
        });
        return op;
    }

    /**
     * On the loop thread with the driver open, tells the driver; otherwise there is nothing to
     * tell: off the loop thread this only runs once the loop has stopped (see {@link #execute}),
     * and a closed driver keeps nothing.
     */
    @Override
    public void closingDescriptor(int fd) {
        if (inLoop() && driverOpen) {
            driver.closing(fd);
        }
    }

    @Override
    public void requestCancel(Op<?> op) {
        run(() -> {
            op.cancelBecause(new CancellationException(op.name() + " cancelled"));
            if (!driver.cancel(op) && op.owner() != null) {
                op.owner().cancelledWhileWaiting(op); // not in the kernel: it still waits with its owner
            }
        });
    }

    /**
     * Ends an op that waited in the loop and never reached the driver (its deadline passed, or
     * the user cancelled it): a TimeoutException or the cancel's cause, and its owner is told.
     */
    void endWaiting(Op<?> op) {
        unwatchDeadline(op);
        op.aborted();
        op.finished();
    }

    /** Asks the kernel to end an op of a connection that is closing; its end arrives as usual. */
    void cancelForClose(Op<?> op) {
        op.cancelBecause(new ConnectionClosedException("connection closed"));
        driver.cancel(op);
    }

    /** Fails an op that never reached the driver, and tells its owner. */
    static void abandon(Op<?> op, String why) {
        op.cancelBecause(new ConnectionClosedException(why));
        op.aborted();
        op.finished();
    }
}
