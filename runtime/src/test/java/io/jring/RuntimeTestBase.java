package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import io.jring.op.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * What every contract test shares: the backend under test, runtimes opened on it and closed
 * after each test, and the checks made at that close (bounded time, no loop thread left, every
 * pooled buffer back). A test that leaks a buffer fails here even if its own assertions pass.
 *
 * <p>Subclasses name the backend with {@link #backend()}; nothing else in a contract may
 * depend on which backend runs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RuntimeTestBase {
    protected static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    private final List<IoRuntime> runtimes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** The backend every runtime of this test must run on. */
    protected abstract Backend backend();

    /**
     * What lies between the test and its bytes: plain TCP here. The tls module's tests return a
     * TLS wire, and the connection-level topics that go through {@link #accept(Listener)} and
     * {@link #connectPeer(java.net.SocketAddress)} then run over TLS on both ends.
     */
    protected Wire wire() {
        return Wire.PLAIN;
    }

    /** {@code listener.accept()} through {@link #wire()}: a TLS wire starts its handshake as soon as TCP accepts. */
    protected java.util.concurrent.CompletableFuture<Connection> accept(Listener listener) {
        Wire wire = wire();
        return wire == Wire.PLAIN ? listener.accept() : listener.accept().thenCompose(wire::server);
    }

    /** The test's peer: a blocking socket connected to {@code address}, through {@link #wire()}. */
    protected PeerSocket connectPeer(java.net.SocketAddress address) throws IOException {
        return PeerSocket.connect(address, wire());
    }

    /** {@link #connectPeer} with a small receive buffer, set before connect. */
    protected PeerSocket connectPeer(java.net.SocketAddress address, int receiveBuffer) throws IOException {
        return PeerSocket.connectWithReceiveBuffer(address, receiveBuffer, wire());
    }

    /** Opens a runtime with {@code threads} loops on {@link #backend()}, closed after the test. */
    protected IoRuntime open(int threads) throws IOException {
        return open(IoRuntimeOptions.defaults().withThreads(threads));
    }

    /** Opens a runtime with {@code options} forced onto {@link #backend()}, closed after the test. */
    protected IoRuntime open(IoRuntimeOptions options) throws IOException {
        IoRuntime runtime = IoRuntime.open(options.withBackend(backend()));
        runtimes.add(runtime);
        assertEquals(backend(), runtime.backend(), "runtime opened on the wrong backend");
        return runtime;
    }

    /** A connection the runtime accepted, and the plain socket at its other end. */
    protected record Pair(IoRuntime runtime, Connection connection, PeerSocket peer) {}

    /** Listens on {@code runtime}, connects a plain socket (closed after the test) and returns both ends. */
    protected Pair accepted(IoRuntime runtime) throws Exception {
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        java.util.concurrent.CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress()));
        return new Pair(runtime, Await.get(accepted), peer);
    }

    /** Closes {@code closeable} after the test (before the runtimes), ignoring what it throws. */
    protected <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    @AfterEach
    void closeRuntimes() throws Exception {
        for (AutoCloseable closeable : closeables.reversed()) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // best effort: the test is over
            }
        }
        closeables.clear();
        List<String> problems = new ArrayList<>();
        for (IoRuntime runtime : runtimes) {
            long start = System.nanoTime();
            runtime.close();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (millis > 20_000) {
                problems.add("runtime.close() took " + millis + " ms");
            }
            for (Thread thread : runtime.threadsForTesting()) {
                if (thread.isAlive()) {
                    problems.add("loop thread " + thread.getName() + " still alive after close()");
                }
            }
            if (runtime.buffersInUse() != 0) {
                problems.add(runtime.buffersInUse() + " pooled buffers never returned (leaked by the runtime or the test)");
            }
        }
        runtimes.clear();
        problems.addAll(Invariants.violations());
        Invariants.clear();
        assertTrue(problems.isEmpty(), () -> "after the test: " + problems);
    }

    /**
     * buffersInUse once the runtime is idle: blocks lent to the io_uring provided-buffer ring
     * count as in use, so tests compare against this, not 0. Waits for the count to settle.
     */
    protected static int idleBaseline(IoRuntime runtime) throws InterruptedException {
        int last = runtime.buffersInUse();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int stableRounds = 0;
        while (System.nanoTime() < deadline && stableRounds < 5) {
            Thread.sleep(10);
            int now = runtime.buffersInUse();
            stableRounds = now == last ? stableRounds + 1 : 0;
            last = now;
        }
        return last;
    }

    /** Waits (bounded) until buffersInUse is back at {@code baseline}, and fails if it does not get there. */
    protected static void assertBuffersBackTo(IoRuntime runtime, int baseline) {
        Await.until(() -> runtime.buffersInUse() == baseline, 10_000,
                () -> "buffersInUse stayed " + runtime.buffersInUse() + ", expected the baseline " + baseline);
    }

    protected static void assertLoopThreadsGone(IoRuntime runtime) {
        for (Thread thread : runtime.threadsForTesting()) {
            assertFalse(thread.isAlive(), () -> "loop thread " + thread.getName() + " still alive");
        }
    }
}
