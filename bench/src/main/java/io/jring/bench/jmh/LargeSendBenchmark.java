package io.jring.bench.jmh;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import io.jring.RuntimeStats;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * Large sends over loopback on io_uring, with and without zero-copy
 * ({@link IoRuntimeOptions#withZeroCopySendThreshold(int)}): {@value #BATCH} sends of {@code size}
 * bytes queued back to back on one connection, the last one joined; a plain Java thread on the
 * other end reads and drops everything. The score is the time per send.
 *
 * <ul>
 *   <li>{@code buffer}: each send takes a freshly allocated pooled block ({@code bufferSize} is
 *       1 MiB here, so one block holds the largest send): the kernel path alone.</li>
 *   <li>{@code segment}: {@code send(MemorySegment)}, which copies the caller's bytes into
 *       runtime memory first, as it must; with zero-copy that copy replaces the kernel's.</li>
 * </ul>
 *
 * <p>What it cannot show: <b>loopback always copies</b>. A zero-copy skb delivered to a local
 * socket has its pages copied on the way in (the kernel cannot let the receiver keep pointing
 * at the sender's memory), so here SEND_ZC pays for pinning pages and for the notification
 * CQE and saves nothing. The trial's last lines print how many sends the kernel reported it
 * copied (all of them, on loopback) and the process CPU per MiB (the sender's loop, the reading
 * thread and the benchmark thread together). A gain needs a real NIC with scatter-gather, and
 * sends large enough that the copy dominates.
 *
 * <p>The pool is not registered with the ring (a 16 MiB slab of 1 MiB blocks exceeds the usual
 * 8 MiB RLIMIT_MEMLOCK), so SEND_ZC pins each send's pages itself, as for any unregistered memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LargeSendBenchmark {
    static final int BATCH = 8;
    private static final int BLOCK = 1 << 20;

    @Param({"65536", "1048576"})
    public int size;

    @Param({"false", "true"})
    public boolean zeroCopy;

    @Param({"buffer", "segment"})
    public String source;

    private IoRuntime runtime;
    private Listener listener;
    private Connection connection;
    private SocketChannel sink;
    private Thread reader;
    private final AtomicLong received = new AtomicLong();
    private Arena arena;
    private MemorySegment bytes;
    private long cpuStart;
    private long sentBytes;

    @Setup(Level.Trial)
    public void open() throws Exception {
        runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.IO_URING)
                .withBuffers(BLOCK, 16, 8).withRegisterBuffers(false)
                .withZeroCopySendThreshold(zeroCopy ? 16 * 1024 : 0));
        listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        CompletableFuture<Connection> accepted = listener.accept();
        sink = SocketChannel.open(listener.localAddress());
        connection = accepted.get(10, TimeUnit.SECONDS);
        reader = Thread.ofPlatform().name("sink").daemon().start(this::drain);
        arena = Arena.ofShared();
        bytes = arena.allocate(size);
        bytes.fill((byte) 'z');
        cpuStart = processCpuNanos();
    }

    private void drain() {
        ByteBuffer into = ByteBuffer.allocateDirect(BLOCK);
        try {
            int n;
            while ((n = sink.read(into.clear())) >= 0) {
                received.addAndGet(n);
            }
        } catch (IOException closed) {
            // the trial is over
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void send() {
        CompletableFuture<Void> last = null;
        for (int i = 0; i < BATCH; i++) {
            if (source.equals("buffer")) {
                IoBuffer block = connection.allocate();
                block.writerIndex(size); // contents do not matter: the bytes are only counted
                last = connection.send(block);
            } else {
                last = connection.send(bytes);
            }
        }
        last.join();
        sentBytes += (long) BATCH * size;
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        long cpu = processCpuNanos() - cpuStart;
        RuntimeStats stats = runtime.stats();
        System.out.printf("%nsize=%d zeroCopy=%s source=%s: process CPU %.3f ms per MiB sent; zero-copy sends %d,"
                        + " of which the kernel copied %d%n", size, zeroCopy, source,
                cpu / 1e6 / (sentBytes / (double) BLOCK), stats.zeroCopySends(), stats.zeroCopyCopied());
        connection.close().get(10, TimeUnit.SECONDS);
        sink.close();
        reader.join(10_000);
        listener.close().get(10, TimeUnit.SECONDS);
        runtime.close();
        arena.close();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
