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
import java.net.SocketAddress;
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
 * <p>An echo server: listen, and serve each connection on its loop.
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="echo-server"}
 * where {@code echo} receives, sends back, and closes on end of stream or on any error:
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="echo"}
 * A client: connect, send, receive, release what {@code recv()} handed over, close.
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="client"}
 *
 * <p>A Unix domain socket is the same, with a {@link java.net.UnixDomainSocketAddress} (or an
 * {@link AbstractUnixAddress}) for the address:
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="unix"}
 *
 * <p>{@link #backend()} says what runs, {@link #fallbackReason()} why it is not io_uring:
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="backend"}
 *
 * <p>Futures complete on loop threads, and stages chained to them run there: never block in
 * them. Move slow work off the loop, and call back from any thread:
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="off-the-loop"}
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
     * @return the running runtime; close it to stop its loops
     * @throws IOException when no backend can start (io_uring required but refused, or the
     *         epoll driver missing when io_uring is unavailable); the message says why
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
     * @param options loops, backend, buffers, ring size, thresholds
     * @return the running runtime; close it to stop its loops
     * @throws IOException when the chosen backend cannot start; the message says why
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
            loops.getLast().zeroCopySendThreshold(options.zeroCopySendThreshold());
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

    /** {@return the backend running: {@link Backend#IO_URING} or {@link Backend#EPOLL}} */
    public Backend backend() {
        return choice.backend();
    }

    /** {@return why the runtime is not on io_uring (forced, refused, missing), or empty when it is} */
    public Optional<String> fallbackReason() {
        return choice.reason();
    }

    /** {@return the driver line of each loop: ring flags and sizes, buffers, features} */
    public List<String> describeLoops() {
        return loops.stream().map(loop -> loop.index() + ": " + loop.driver().describe()
                + (loop.refusedMultishotRecvmsg() ? " (the kernel refused multishot recvmsg)" : "")).toList();
    }

    /** {@return the number of loops, each one thread} */
    public int threads() {
        return loops.size();
    }

    /**
     * Binds and listens now with {@link ListenOptions#DEFAULT}.
     *
     * @param address where to listen: an {@link InetSocketAddress} (port 0 picks a free port,
     *     see {@link Listener#localAddress()}), a {@link java.net.UnixDomainSocketAddress} (a
     *     path) or an {@link AbstractUnixAddress}
     * @return the listener
     * @throws IOException naming bind or listen and the errno (EADDRINUSE: the port is taken,
     *     or the socket file exists: the message says whether it is stale)
     * @throws IllegalArgumentException another address type, an unresolved host, a Unix path
     *     longer than 107 bytes or an empty one
     */
    public Listener listen(SocketAddress address) throws IOException {
        return listen(address, ListenOptions.DEFAULT);
    }

    /**
     * Binds and listens now; accepting starts with {@link Listener#accept()} or
     * {@link Listener#onAccept}.
     *
     * <p>On a Unix address the listener is one socket that every loop accepts from, whatever
     * {@link ListenOptions#reusePort()} says, and {@link ListenOptions#reuseAddress()} is not
     * applied (neither means anything for AF_UNIX, and both are on in the defaults); the
     * backlog and the receive buffer size apply. bind creates the socket file, and the
     * listener removes it when it closes. A file already at the path fails the bind with
     * EADDRINUSE and a message that says whether a server listens there or the file is stale
     * (nothing accepts on it: remove it and listen again); jring never removes it itself.
     *
     * @param address where to listen: an {@link InetSocketAddress} (port 0 picks a free port,
     *     see {@link Listener#localAddress()}), a {@link java.net.UnixDomainSocketAddress} (a
     *     path) or an {@link AbstractUnixAddress}
     * @param options backlog, SO_REUSEPORT, SO_REUSEADDR, receive buffer size
     * @return the listener
     * @throws IOException naming bind or listen and the errno (EADDRINUSE: the port is taken,
     *     or the socket file exists: the message says whether it is stale)
     * @throws IllegalArgumentException another address type, an unresolved host, a Unix path
     *     longer than 107 bytes or an empty one
     */
    public Listener listen(SocketAddress address, ListenOptions options) throws IOException {
        ensureOpen();
        return TcpListener.open(loops, address, options);
    }

    /**
     * Connects from the next loop (round robin), without a deadline.
     *
     * @param address the server: an {@link InetSocketAddress}, a
     *     {@link java.net.UnixDomainSocketAddress} or an {@link AbstractUnixAddress}
     * @return the connection; fails with a {@link NativeIoException} naming connect and the
     *     errno (ECONNREFUSED: nothing listens there; ENOENT: no socket file at that path), or
     *     with an {@link IllegalArgumentException} for an address jring cannot use
     */
    public CompletableFuture<Connection> connect(SocketAddress address) {
        return connect(address, null);
    }

    /**
     * {@link #bindDatagram(InetSocketAddress, DatagramOptions)} with {@link DatagramOptions#DEFAULT}.
     *
     * @param address where to bind; port 0 lets the kernel pick one
     * @return the endpoint
     * @throws IOException socket, setsockopt or bind failed, naming the call and the errno
     */
    public DatagramEndpoint bindDatagram(InetSocketAddress address) throws IOException {
        return bindDatagram(address, DatagramOptions.DEFAULT);
    }

    /**
     * Binds a UDP socket (port 0: the kernel picks one, see {@link DatagramEndpoint#localAddress()})
     * on the next loop (round robin). The first endpoint on a loop maps that loop's datagram
     * buffers (1088 KiB: each holds the largest datagram), counted against
     * {@link IoRuntimeOptions#maxBufferMemory()}.
     *
     * @param address where to bind; port 0 lets the kernel pick one
     * @param options SO_BROADCAST, SO_REUSEADDR and buffer sizes, set before bind
     * @return the endpoint
     * @throws IOException                  socket, setsockopt or bind failed (EADDRINUSE, EACCES...)
     * @throws BufferPoolExhaustedException the buffer memory cap leaves no room for the loop's datagram buffers
     */
    public DatagramEndpoint bindDatagram(InetSocketAddress address, DatagramOptions options) throws IOException {
        ensureOpen();
        EventLoop loop = loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
        return io.jring.loop.UdpEndpoint.open(loop, address, options);
    }

    /**
     * Connects from the next loop (round robin); TCP_NODELAY is set on a TCP connection.
     *
     * @param address the server: an {@link InetSocketAddress}, a
     *     {@link java.net.UnixDomainSocketAddress} or an {@link AbstractUnixAddress} (a Unix
     *     path longer than 107 bytes fails with {@link IllegalArgumentException} before any
     *     system call)
     * @param timeout how long the handshake may take, or null for no deadline
     * @return the connection; fails with {@link java.util.concurrent.TimeoutException} when the
     *     deadline passes (the connect is cancelled), or a {@link NativeIoException} naming
     *     connect and the errno
     */
    public CompletableFuture<Connection> connect(SocketAddress address, Duration timeout) {
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
     *
     * @param path the file
     * @param options how to open it; none means READ
     * @return the open file
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

    /** {@return pooled blocks held by users, operations and the kernel, over all loops (for tests and monitoring)} */
    public int buffersInUse() {
        return allPools().stream().mapToInt(BufferPool::inUse).sum();
    }

    /** Every loop's pool, and its datagram pool where one was made. */
    private List<BufferPool> allPools() {
        List<BufferPool> pools = new ArrayList<>();
        for (EventLoop loop : loops) {
            if (loop.pool() != null) {
                pools.add(loop.pool());
            }
            if (loop.datagramPoolIfMade() != null) {
                pools.add(loop.datagramPoolIfMade());
            }
        }
        return pools;
    }

    /**
     * Native bytes the runtime's buffer pools have mapped now, over all loops (for tests and
     * monitoring): each loop's first slab, plus grown slabs until they have been idle a second.
     * Stays at or under {@link IoRuntimeOptions#maxBufferMemory()}, except when the first slabs
     * alone exceed it, and by single blocks that keep bytes a cancelled {@code recv(into)} had
     * already read (they cannot be refused without losing data).
     *
     * @return the bytes mapped now
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
     *
     * @return the counters now
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
        List<BufferPool> pools = allPools();
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
