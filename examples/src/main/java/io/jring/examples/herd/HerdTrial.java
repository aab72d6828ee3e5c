package io.jring.examples.herd;

import static io.jring.bindings.SocketLayouts.EPOLL_DATA;
import static io.jring.bindings.SocketLayouts.EPOLL_EVENT;
import static io.jring.bindings.SocketLayouts.EPOLL_EVENTS;
import static io.jring.bindings.SocketLayouts.SOCKADDR_IN;
import static io.jring.examples.herd.LoopbackSockets.check;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Runs one {@link Scenario}: opens its listening sockets and epoll instances, starts its threads
 * in {@code epoll_wait}, then connects to it one connection at a time and records what each
 * connection caused. Everything it opens is closed and every thread has ended when {@link #run}
 * returns, however it returns.
 */
final class HerdTrial implements AutoCloseable {
    /** epoll data of the stop eventfd; a listening socket's data is its index. */
    private static final long STOP = -1;
    private static final int MAX_EVENTS = 16;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration QUIET_LIMIT = Duration.ofSeconds(2);
    private static final long QUIET_POLL_NANOS = 200_000;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final InetAddress LOOPBACK = loopback();

    private final Scenario scenario;
    private final WakeLog log;
    private final HerdThreads herdThreads;
    private final int[] listenFds;
    private final int[] epollFds;
    private final List<Thread> threads = new ArrayList<>();
    private int stopFd = -1;
    private int port;

    private HerdTrial(Scenario scenario, int connections) {
        this.scenario = scenario;
        this.log = new WakeLog(connections, scenario.threads());
        this.herdThreads = new HerdThreads(scenario.threads());
        this.listenFds = new int[scenario.listenSockets()];
        this.epollFds = new int[scenario.epollInstances()];
        Arrays.fill(listenFds, -1);
        Arrays.fill(epollFds, -1);
    }

    /**
     * Measures {@code connections} connections, each opened only once the previous one was
     * accepted and the threads have been quiet for {@code settle}. Empty if {@code stopRequested}
     * turned true before the row was complete.
     */
    static Optional<RowResult> run(Scenario scenario, int connections, Duration settle, BooleanSupplier stopRequested)
            throws IOException, InterruptedException {
        try (HerdTrial trial = new HerdTrial(scenario, connections)) {
            trial.open();
            trial.startThreads();
            return trial.connectAll(connections, settle, stopRequested)
                    ? Optional.of(trial.log.result(scenario, connections))
                    : Optional.empty();
        }
    }

    private void open() throws IOException {
        for (int s = 0; s < listenFds.length; s++) {
            listenFds[s] = LoopbackSockets.listen(port, scenario.reusePort());
            if (s == 0) {
                port = LoopbackSockets.localPort(listenFds[0]); // the rest join the port the kernel picked
            }
        }
        stopFd = check(LibC.eventfd(0, Linux.EFD_CLOEXEC), "eventfd");
        int listenEvents = Linux.EPOLLIN | (scenario.exclusive() ? Linux.EPOLLEXCLUSIVE : 0); // level-triggered
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(EPOLL_EVENT);
            for (int e = 0; e < epollFds.length; e++) {
                epollFds[e] = check(LibC.epollCreate1(Linux.EPOLL_CLOEXEC), "epoll_create1");
                for (int s = 0; s < listenFds.length; s++) {
                    if (scenario.watches(e, s)) {
                        add(epollFds[e], listenFds[s], listenEvents, s, event,
                                scenario.exclusive() ? "listening socket, EPOLLIN|EPOLLEXCLUSIVE" : "listening socket");
                    }
                }
                // Not exclusive: the stop must reach every instance, and through level
                // triggering every thread waiting on it.
                add(epollFds[e], stopFd, Linux.EPOLLIN, STOP, event, "stop eventfd");
            }
        }
    }

    private static void add(int epollFd, int fd, int events, long data, MemorySegment event, String what)
            throws IOException {
        event.set(JAVA_INT_UNALIGNED, EPOLL_EVENTS, events);
        event.set(JAVA_LONG_UNALIGNED, EPOLL_DATA, data);
        check(LibC.epollCtl(epollFd, Linux.EPOLL_CTL_ADD, fd, event), "epoll_ctl EPOLL_CTL_ADD " + what);
    }

    private void startThreads() {
        for (int t = 0; t < scenario.threads(); t++) {
            int thread = t;
            int epollFd = epollFds[scenario.epollInstanceOf(t)];
            // Daemon as a last resort only: close() joins every one of them.
            threads.add(Thread.ofPlatform().name("herd-" + t).daemon().start(() -> waitLoop(thread, epollFd)));
        }
    }

    /**
     * One thread of the herd: wait, and on a wake try one non-blocking accept per ready
     * listening socket, as a server's accept loop would. Closes what it accepts at once.
     */
    private void waitLoop(int thread, int epollFd) {
        long eventSize = EPOLL_EVENT.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(EPOLL_EVENT, MAX_EVENTS);
            MemorySegment peer = arena.allocate(SOCKADDR_IN);
            MemorySegment peerLength = arena.allocate(JAVA_INT);
            herdThreads.register(thread);
            while (true) {
                log.waiting();
                int ready;
                do {
                    ready = LibC.epollWait(epollFd, events, MAX_EVENTS, -1);
                } while (ready == -Errno.EINTR);
                if (ready < 0) {
                    log.fail("epoll_wait: " + Errno.describe(ready));
                    return;
                }
                for (int i = 0; i < ready; i++) {
                    if (events.get(JAVA_LONG_UNALIGNED, i * eventSize + EPOLL_DATA) == STOP) {
                        return;
                    }
                }
                int connection = log.returned(thread);
                for (int i = 0; i < ready; i++) {
                    int listenFd = listenFds[(int) events.get(JAVA_LONG_UNALIGNED, i * eventSize + EPOLL_DATA)];
                    peerLength.set(JAVA_INT, 0, (int) SOCKADDR_IN.byteSize());
                    int fd = LibC.accept4(listenFd, peer, peerLength, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
                    if (fd >= 0) {
                        LibC.close(fd);
                        log.acceptSucceeded(connection, LoopbackSockets.port(peer));
                    } else if (fd == -Errno.EAGAIN) {
                        log.acceptFoundNothing(connection);
                    } else {
                        log.fail("accept4: " + Errno.describe(fd));
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            log.fail(Thread.currentThread().getName() + ": " + e);
        }
    }

    /** The client: false if a stop was requested before every connection was measured. */
    private boolean connectAll(int connections, Duration settle, BooleanSupplier stopRequested)
            throws IOException, InterruptedException {
        InetSocketAddress server = new InetSocketAddress(LOOPBACK, port);
        awaitQuiet(settle, "starting");
        herdThreads.snapshot();
        for (int i = 0; i < connections; i++) {
            if (stopRequested.getAsBoolean()) {
                return false;
            }
            try (Socket client = new Socket()) {
                client.bind(new InetSocketAddress(LOOPBACK, 0)); // the port is known before the SYN leaves
                log.begin(i, client.getLocalPort());
                client.connect(server, (int) CONNECT_TIMEOUT.toMillis());
                if (!log.awaitAccept(i, ACCEPT_TIMEOUT)) {
                    throw failure("connection " + i + " was not accepted within " + ACCEPT_TIMEOUT.toSeconds() + " s");
                }
            }
            awaitQuiet(settle, "connection " + i);
            log.kernelWoke(i, herdThreads.wokenSinceLast());
        }
        return true;
    }

    /**
     * Waits until every thread sleeps in epoll_wait and none has left it for {@code settle}: the
     * last connection has caused all it will, and the next one meets a herd at rest.
     */
    private void awaitQuiet(Duration settle, String after) throws IOException {
        long deadline = System.nanoTime() + QUIET_LIMIT.toNanos();
        while (log.failure() == null) {
            long quietFor = log.quietNanos();
            if (quietFor >= settle.toNanos() && herdThreads.allSleeping()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                break;
            }
            LockSupport.parkNanos(quietFor < 0 ? QUIET_POLL_NANOS : Math.max(settle.toNanos() - quietFor, QUIET_POLL_NANOS));
        }
        throw failure("threads still busy " + QUIET_LIMIT.toSeconds() + " s after " + after);
    }

    private IOException failure(String what) {
        String why = log.failure();
        return new IOException((why != null ? why : what) + " (" + scenario.describe() + ")");
    }

    /** Stops the threads (the eventfd turns readable in every instance), then closes every descriptor. */
    @Override
    public void close() throws IOException {
        String stuck = null;
        if (!threads.isEmpty()) {
            try (Arena arena = Arena.ofConfined()) {
                LibC.write(stopFd, arena.allocateFrom(JAVA_LONG, 1), 8);
            }
            long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
            for (Thread thread : threads) {
                if (!join(thread, deadline) && stuck == null) {
                    stuck = thread.getName();
                }
            }
        }
        for (int fd : epollFds) {
            closeIfOpen(fd);
        }
        for (int fd : listenFds) {
            closeIfOpen(fd);
        }
        closeIfOpen(stopFd);
        if (stuck != null) {
            throw new IOException(stuck + " did not stop within " + STOP_TIMEOUT.toSeconds() + " s (" + scenario.describe() + ")");
        }
    }

    private static boolean join(Thread thread, long deadline) {
        try {
            return thread.join(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !thread.isAlive();
        }
    }

    private static void closeIfOpen(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    private static InetAddress loopback() {
        try {
            return Inet4Address.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for an address of the wrong length
        }
    }
}
