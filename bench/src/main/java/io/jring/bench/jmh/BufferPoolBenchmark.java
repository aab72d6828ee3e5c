package io.jring.bench.jmh;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pooled buffer taken and given back ({@link Connection#allocate()}, then
 * {@link IoBuffer#release()}) through the public API, as a handler does for each answer:
 *
 * <ul>
 *   <li>{@code onLoopThread}: on the loop thread that owns the pool (where stages run), one
 *       buffer at a time, {@value #PER_TASK} per task handed to the loop, so the hand-off is
 *       spread thin;</li>
 *   <li>{@code onLoopThreadSixteenHeld}: the same, sixteen held at once and released in turn (a
 *       pipelined batch's answers);</li>
 *   <li>{@code fromAnotherThread}: on the benchmark thread, which does not own the pool.</li>
 * </ul>
 * ns and bytes are per buffer (taken and given back).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BufferPoolBenchmark {
    static final int PER_TASK = 1024;

    private IoRuntime runtime;
    private Listener listener;
    private Connection client;
    private final IoBuffer[] sixteen = new IoBuffer[16];

    @Setup(Level.Trial)
    public void open() throws Exception {
        runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1));
        listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.onAccept(Connection::close);
        client = runtime.connect(listener.localAddress()).get(10, TimeUnit.SECONDS);
    }

    @TearDown(Level.Trial)
    public void close() {
        client.close().join();
        listener.close().join();
        runtime.close();
    }

    @Benchmark
    @OperationsPerInvocation(PER_TASK)
    public void onLoopThread() {
        CompletableFuture.runAsync(() -> {
            for (int i = 0; i < PER_TASK; i++) {
                client.allocate().release();
            }
        }, client.executor()).join();
    }

    @Benchmark
    @OperationsPerInvocation(PER_TASK)
    public void onLoopThreadSixteenHeld() {
        CompletableFuture.runAsync(() -> {
            for (int round = 0; round < PER_TASK / sixteen.length; round++) {
                for (int i = 0; i < sixteen.length; i++) {
                    sixteen[i] = client.allocate();
                }
                for (IoBuffer buffer : sixteen) {
                    buffer.release();
                }
            }
        }, client.executor()).join();
    }

    @Benchmark
    public void fromAnotherThread() {
        client.allocate().release();
    }
}
