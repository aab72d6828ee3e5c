package io.jring;

import io.jring.bindings.NativeAccess;
import io.jring.buffer.LeakTracker;
import io.jring.jfr.JringEvents;
import io.jring.loop.BufferMemory;
import io.jring.loop.BufferPool;
import io.jring.loop.ClassPreload;
import io.jring.loop.EventLoop;
import io.jring.loop.PoolReclaim;
import io.jring.loop.LoopConnects;
import io.jring.loop.LoopFuture;
import io.jring.loop.LoopWatchdog;
import io.jring.loop.TcpListener;
import io.jring.net.Sockets;
import io.jring.select.BackendChoice;
import io.jring.select.BackendSelection;
import io.jring.spi.DriverFactory;
import io.jring.spi.DriverSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The entry point: a set of event loops, each a thread with its own io_uring (or epoll fd),
 * serving listeners and connections through {@link java.util.concurrent.CompletableFuture}s.
 *
 * <pre>{@code
 * try (IoRuntime runtime = IoRuntime.open()) {
 *     Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 7000));
 *     listener.onAccept(conn -> echo(conn));           // runs on the connection's loop
 *     System.out.println("backend=" + runtime.backend());
 *     Thread.currentThread().join();
 * }
 *
 * static void echo(Connection conn) {
 *     conn.recv().thenAccept(buf -> {
 *         if (buf.isEndOfStream()) { conn.close(); return; }
 *         conn.send(buf).thenRun(() -> echo(conn));    // send takes ownership of buf
 *     });
 * }
 * }</pre>
 *
 * <p>{@link #backend()} says what runs, {@link #fallbackReason()} why it is not io_uring.
 */
public final class IoRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.jring");
    /** Runtimes opened in this process so far: numbers them for stats and JFR. */
    private static final AtomicInteger OPENED = new AtomicInteger();

    private final BackendChoice choice;
    private final List<EventLoop> loops;
    private final List<LoopConnects> connects;
    private final BufferMemory bufferMemory;
    private final AtomicInteger nextLoop = new AtomicInteger();
    /** The blocked-loop detector, or null when it is off. */
    private final LoopWatchdog watchdog;
    private final int number = OPENED.incrementAndGet();
    private volatile boolean closed;

    private IoRuntime(BackendChoice choice, List<EventLoop> loops, BufferMemory bufferMemory, LoopWatchdog watchdog) {
        this.choice = choice;
        this.loops = loops;
        this.bufferMemory = bufferMemory;
        this.connects = loops.stream().map(LoopConnects::new).toList();
        this.watchdog = watchdog;
    }

    /**
     * Opens a runtime with {@link IoRuntimeOptions#defaults()}.
     *
     * @throws IllegalCallerException when the JVM denies native access; its message names the
     *         flag to add ({@code --enable-native-access=io.jring.bindings} on the module path,
     *         {@code --enable-native-access=ALL-UNNAMED} on the class path)
     */
    public static IoRuntime open() throws IOException {
        return open(IoRuntimeOptions.defaults());
    }

    /**
     * Opens a runtime: chooses the backend, then starts {@link IoRuntimeOptions#threads()} loops.
     *
     * @throws IllegalCallerException when the JVM denies native access (see {@link #open()})
     */
    public static IoRuntime open(IoRuntimeOptions options) throws IOException {
        NativeAccess.ensureGranted(); // before probing: a denial must not read as "no liburing"
        BackendChoice choice = BackendSelection.choose(BackendSelection.forced(options.backend()),
                options.requireUring(), BackendSelection::probe);
        choice.reason().ifPresent(reason -> LOG.log(System.Logger.Level.INFO,
                "jring backend: " + choice.backend() + " (" + reason + ")"));
        DriverFactory factory = factoryFor(choice.backend());
        ClassPreload.moduleOf(IoRuntime.class); // see there: no class file may be needed at EMFILE
        ClassPreload.moduleOf(factory.getClass());
        ClassPreload.moduleOf(io.jring.bindings.LibC.class);
        List<EventLoop> loops = new ArrayList<>();
        PoolReclaim reclaim = new PoolReclaim(options.threads());
        BufferMemory bufferMemory = new BufferMemory(options.maxBufferMemory()); // one cap for every loop
        for (int i = 0; i < options.threads(); i++) {
            DriverSettings settings = new DriverSettings(options.ringEntries(), options.providedBuffers(),
                    options.registerBuffers(), options.multishotRecv(), i);
            loops.add(new EventLoop(i, choice.backend().label(), factory, settings,
                    options.bufferSize(), options.buffersPerLoop(), bufferMemory, reclaim));
        }
        try {
            for (EventLoop loop : loops) {
                loop.started().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            loops.forEach(EventLoop::shutdown);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("event loop failed to start: " + cause, cause);
        }
        IoRuntime runtime = new IoRuntime(choice, loops, bufferMemory,
                LoopWatchdog.start(loops, options.blockedLoopThreshold()));
        JringEvents.runtimeOpened(runtime, runtime.number, choice.backend().label(), choice.reason().orElse(""),
                loops.size(), loops.getFirst().driver().describe());
        return runtime;
    }

    /**
     * Both drivers are found the same way: the runtime provides the io_uring one, jring-epoll-fallback
     * the epoll one (module-info's {@code provides}, and META-INF/services on the class path).
     */
    private static DriverFactory factoryFor(Backend backend) throws IOException {
        // The context class loader first (as before), then the runtime's own: a thread whose
        // context loader cannot see jring must still find the io_uring driver shipped beside it.
        for (ServiceLoader<DriverFactory> loader : List.of(ServiceLoader.load(DriverFactory.class),
                ServiceLoader.load(DriverFactory.class, IoRuntime.class.getClassLoader()))) {
            for (DriverFactory factory : loader) {
                if (factory.backend() == backend) {
                    return factory;
                }
            }
        }
        throw new IOException("no " + backend + " driver on the class path or module path: "
                + (backend == Backend.EPOLL ? "add the jring-epoll-fallback module (io.jring:jring brings it)"
                        : "the jring-runtime jar lost its service registration (a repackaged jar must keep "
                        + "META-INF/services/io.jring.spi.DriverFactory)"));
    }

    /** The backend running: {@link Backend#IO_URING} or {@link Backend#EPOLL}. */
    public Backend backend() {
        return choice.backend();
    }

    /** Why the runtime is not on io_uring (forced, refused, missing), or empty when it is. */
    public Optional<String> fallbackReason() {
        return choice.reason();
    }

    /** The driver line of each loop: flags, buffers, features. */
    public List<String> describeLoops() {
        return loops.stream().map(loop -> loop.index() + ": " + loop.driver().describe()).toList();
    }

    public int threads() {
        return loops.size();
    }

    public Listener listen(InetSocketAddress address) throws IOException {
        return listen(address, ListenOptions.DEFAULT);
    }

    /** Binds and listens now; accepting starts with {@link Listener#accept()} or {@link Listener#onAccept}. */
    public Listener listen(InetSocketAddress address, ListenOptions options) throws IOException {
        ensureOpen();
        return TcpListener.open(loops, address, options);
    }

    public CompletableFuture<Connection> connect(InetSocketAddress address) {
        return connect(address, null);
    }

    /** Connects from the next loop (round robin); TCP_NODELAY is set on the connection. */
    public CompletableFuture<Connection> connect(InetSocketAddress address, Duration timeout) {
        if (closed) {
            return LoopFuture.failed(new ConnectionClosedException("runtime is closed"));
        }
        try {
            int fd = Sockets.newStreamSocket(address);
            LoopConnects target = connects.get(Math.floorMod(nextLoop.getAndIncrement(), connects.size()));
            return target.connect(fd, address, timeout);
        } catch (IOException | RuntimeException e) {
            return LoopFuture.failed(e);
        }
    }

    /**
     * Opens a file on the next loop (round robin), with the options of
     * {@link java.nio.channels.FileChannel#open}: READ (the default), WRITE, APPEND, CREATE,
     * CREATE_NEW, TRUNCATE_EXISTING, DSYNC, SYNC. A missing file fails with ENOENT, a
     * directory opened for writing with EISDIR, a forbidden one with EACCES, each a
     * {@link NativeIoException} naming {@code openat} and the path. See {@link AsyncFile}.
     */
    public CompletableFuture<AsyncFile> openFile(java.nio.file.Path path, java.nio.file.OpenOption... options) {
        if (closed) {
            return LoopFuture.failed(new ConnectionClosedException("runtime is closed"));
        }
        int flags;
        try {
            flags = io.jring.loop.OpenFlags.of(options);
        } catch (RuntimeException e) {
            return LoopFuture.failed(e);
        }
        EventLoop loop = loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
        return loop.openFile(path.toAbsolutePath(), flags);
    }

    /** Pooled blocks held by users, operations and the kernel, over all loops (for tests and monitoring). */
    public int buffersInUse() {
        return loops.stream().mapToInt(loop -> loop.pool() == null ? 0 : loop.pool().inUse()).sum();
    }

    /**
     * Native bytes the runtime's buffer pools have mapped now, over all loops (for tests and
     * monitoring): each loop's first slab, plus grown slabs until they have been idle a second.
     * Stays at or under {@link IoRuntimeOptions#maxBufferMemory()}, except when the first slabs
     * alone exceed it, and by single blocks that keep bytes a cancelled {@code recv(into)} had
     * already read (they cannot be refused without losing data).
     */
    public long bufferMemory() {
        return bufferMemory.mapped();
    }

    /**
     * A snapshot of every loop's counters (see {@link LoopStats}), the numbers the
     * {@code jring.LoopStatistics} JFR event records. Safe from any thread, also while a callback
     * holds a loop and after {@link #close()} (the final counts): it reads counters each loop
     * publishes as it goes, instead of asking the loops, so it never waits for one. Each number
     * is exact; the set is not one atomic cut (an operation may land between two reads).
     */
    public RuntimeStats stats() {
        List<LoopStats> perLoop = new ArrayList<>(loops.size());
        for (EventLoop loop : loops) {
            LoopStats stats = loop.stats();
            if (stats != null) {
                perLoop.add(stats);
            }
        }
        return new RuntimeStats(number, choice.backend(), perLoop);
    }

    /** The loop threads (alive until {@link #close()} returns); for the tests in this package, not API. */
    List<Thread> threadsForTesting() {
        return loops.stream().map(EventLoop::thread).toList();
    }

    /**
     * Stops accepting, closes every connection (operations still running fail with
     * {@link ConnectionClosedException}), waits for the kernel to return every buffer, then
     * frees the rings and the memory. Waits at most 30 seconds; called from a loop thread (a
     * callback), it does not wait, and the loops stop once that callback returns.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        JringEvents.runtimeClosed(this);
        if (watchdog != null) {
            watchdog.stop();
        }
        boolean onLoop = loops.stream().anyMatch(EventLoop::inLoop);
        loops.forEach(EventLoop::shutdown);
        if (onLoop) {
            // Called from a stage running on one of our loops: that loop cannot stop while this
            // waits for it. The loops stop once the stage returns.
            return;
        }
        for (EventLoop loop : loops) {
            try {
                loop.terminated().get(30, TimeUnit.SECONDS);
                loop.thread().join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.ERROR, "event loop " + loop.index() + " did not stop cleanly", e);
            }
        }
        reportBuffersStillHeld();
    }

    /**
     * Every operation has ended, so a block still out is one the application never released.
     * Its memory is freed with the pool; the buffer refuses every access from now on.
     */
    private void reportBuffersStillHeld() {
        int held = buffersInUse();
        if (held == 0) {
            return;
        }
        List<BufferPool> pools = loops.stream().map(EventLoop::pool).filter(java.util.Objects::nonNull).toList();
        List<Throwable> sites = LeakTracker.stillHeld(pools);
        StringBuilder message = new StringBuilder("IoRuntime closed with ").append(held)
                .append(" buffer(s) never released; their memory is freed now and any use of them fails.");
        if (sites.isEmpty()) {
            message.append(" Run with -Djring.leakDetection=full to see where they were handed out.");
        } else {
            message.append(" Handed out at (").append(LeakTracker.tracksAll() ? "all" : "a sample").append("):");
            for (Throwable site : sites.subList(0, Math.min(10, sites.size()))) {
                message.append(System.lineSeparator()).append(stackOf(site));
            }
        }
        LOG.log(System.Logger.Level.WARNING, message.toString());
    }

    private static String stackOf(Throwable site) {
        java.io.StringWriter text = new java.io.StringWriter();
        site.printStackTrace(new java.io.PrintWriter(text));
        return text.toString();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new ConnectionClosedException("runtime is closed");
        }
    }
}
