package io.jring.bench.jmh;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 64-byte round trip on a loopback connection through the public API, per backend: the
 * client sends, the server (same runtime, one loop) receives and sends it back, the client
 * receives it — four operations through the driver per round trip.
 *
 * <ul>
 *   <li>{@code roundTrip}: {@value #CHAIN} round trips chained on the loop thread, the next
 *       started from the previous one's completion: the driver's own cost, with the benchmark
 *       thread out of the way (one cross-thread hand-off per {@value #CHAIN}).</li>
 *   <li>{@code roundTripFromCaller}: one round trip started from the benchmark thread and
 *       joined there: adds the wake-up of the loop and of the caller, as a blocking client sees it.</li>
 *   <li>{@code roundTripPush}: {@code roundTrip} on the futureless path, on a connection of its
 *       own: both ends receive with {@code onReceive} and send with {@code sendAndForget}, so no
 *       operation returns a future; the client fills a pooled buffer per message
 *       ({@code allocate()}), the server sends back the buffer it received.</li>
 * </ul>
 *
 * With {@code -prof gc}, gc.alloc.rate.norm is bytes per round trip: the futures the four
 * operations return, their completion stages, and whatever else the runtime allocates per op
 * (on the push path: the IoBuffer of each receive and of the client's message, nothing per op).
 * The benchmark's own handlers are allocated once per connection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class RoundTripBenchmark {
    static final int CHAIN = 100;
    static final int SIZE = 64;

    @Param({"io_uring", "epoll"})
    public String backend;

    private IoRuntime runtime;
    private Listener listener;
    private Connection client;
    private Arena arena;
    private MemorySegment message;
    private Chain chain;
    private Listener pushListener;
    private PushChain pushChain;

    @Setup(Level.Trial)
    public void open() throws Exception {
        runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.parse(backend)));
        if (runtime.backend() != Backend.parse(backend)) {
            throw new IllegalStateException("asked for " + backend + ", got " + runtime.backend());
        }
        listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.onAccept(connection -> new Echo(connection).next());
        client = runtime.connect(listener.localAddress()).get(10, TimeUnit.SECONDS);
        arena = Arena.ofShared();
        message = arena.allocate(SIZE);
        message.fill((byte) 'x');
        chain = new Chain(client, message);
        pushListener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        pushListener.onAccept(connection -> connection.onReceive(connection::sendAndForget));
        Connection pushClient = runtime.connect(pushListener.localAddress()).get(10, TimeUnit.SECONDS);
        pushChain = new PushChain(pushClient, message);
    }

    @TearDown(Level.Trial)
    public void close() {
        if (client != null) {
            client.close().join();
        }
        if (pushChain != null) {
            pushChain.client.close().join();
        }
        if (listener != null) {
            listener.close().join();
        }
        if (pushListener != null) {
            pushListener.close().join();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public int roundTrip() {
        return chain.run(CHAIN).join();
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public int roundTripPush() {
        return pushChain.run(CHAIN).join();
    }

    @Benchmark
    public int roundTripFromCaller() {
        return chain.run(1).join();
    }

    /** The server side: the echo idiom of the bench servers (recv, send the same buffer, recv). */
    static final class Echo implements BiConsumer<IoBuffer, Throwable> {
        private final Connection connection;

        Echo(Connection connection) {
            this.connection = connection;
        }

        void next() {
            connection.recv().whenComplete(this);
        }

        @Override
        public void accept(IoBuffer buffer, Throwable error) {
            if (error != null || buffer.isEndOfStream()) {
                connection.close();
                return;
            }
            connection.send(buffer);
            next();
        }
    }

    /** The client side: {@code count} round trips, each started when the previous one's echo is complete. */
    static final class Chain implements BiConsumer<IoBuffer, Throwable>, Runnable {
        private final Connection client;
        private final MemorySegment message;
        private final Executor loop;
        private CompletableFuture<Integer> done;
        private int left;
        private int received;

        Chain(Connection client, MemorySegment message) {
            this.client = client;
            this.message = message;
            this.loop = client.executor();
        }

        CompletableFuture<Integer> run(int count) {
            CompletableFuture<Integer> future = new CompletableFuture<>();
            done = future;
            left = count;
            loop.execute(this);
            return future;
        }

        /** On the loop: one round trip. */
        @Override
        public void run() {
            received = 0;
            client.recv().whenComplete(this);
            client.send(message);
        }

        @Override
        public void accept(IoBuffer buffer, Throwable error) {
            if (error != null || buffer.isEndOfStream()) {
                done.completeExceptionally(error != null ? error : new IllegalStateException("server closed"));
                return;
            }
            received += buffer.readableBytes();
            buffer.release();
            if (received < SIZE) {
                client.recv().whenComplete(this); // the echo came in pieces
                return;
            }
            if (--left > 0) {
                run();
            } else {
                done.complete(received);
            }
        }
    }

    /** {@link Chain} on the push path: the client's handler counts the echo and sends the next message. */
    static final class PushChain implements Runnable, java.util.function.Consumer<IoBuffer> {
        final Connection client;
        private final MemorySegment message;
        private CompletableFuture<Integer> done;
        private int left;
        private int received;

        PushChain(Connection client, MemorySegment message) {
            this.client = client;
            this.message = message;
            client.onReceive(this).whenComplete((end, error) -> {
                CompletableFuture<Integer> waiting = done;
                if (waiting != null) {
                    waiting.completeExceptionally(error != null ? error : new IllegalStateException("server closed"));
                }
            });
        }

        CompletableFuture<Integer> run(int count) {
            CompletableFuture<Integer> future = new CompletableFuture<>();
            done = future;
            left = count;
            client.executor().execute(this);
            return future;
        }

        /** On the loop: one round trip. */
        @Override
        public void run() {
            received = 0;
            client.sendAndForget(client.allocate().write(message));
        }

        @Override
        public void accept(IoBuffer buffer) {
            received += buffer.readableBytes();
            buffer.release();
            if (received < SIZE) {
                return; // the echo came in pieces: the rest is pushed next
            }
            if (--left > 0) {
                run();
            } else {
                done.complete(received);
            }
        }
    }
}
