package io.jring.bench.jmh;

import io.jring.AsyncFile;
import io.jring.Backend;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * File read throughput from the page cache: one op is one read of {@code size} bytes, 4 KiB at
 * random 4 KiB-aligned positions ({@code random4k}) or 1 MiB walking the file in order
 * ({@code seq1m}), through four drivers:
 *
 * <ul>
 *   <li>{@code io_uring}: jring's {@link AsyncFile} on io_uring (READ_FIXED into pooled blocks);</li>
 *   <li>{@code epoll}: the same API on the epoll backend, which runs each read on its blocking pool
 *       (4 threads) and completes it back on the loop thread;</li>
 *   <li>{@code FileChannel}: {@link FileChannel#read(ByteBuffer, long)} on the benchmark thread into a
 *       direct buffer, one at a time (a blocking call has one read in flight: {@code depth} is ignored);</li>
 *   <li>{@code AsynchronousFileChannel}: the JDK's, on its default thread pool, into direct buffers.</li>
 * </ul>
 *
 * The async drivers keep {@code depth} reads in flight: each completion starts the next from the
 * completing thread until {@value #BATCH} are done; the benchmark thread only waits for the batch.
 * The file ({@value #FILE_MIB} MiB, in {@code java.io.tmpdir} or {@code -Djring.bench.dir}) is written and read through once in
 * setup, so every measured read is served from the page cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class FileReadBenchmark {
    static final int BATCH = 256;
    static final int FILE_MIB = 256;

    @Param({"io_uring", "epoll", "FileChannel", "AsynchronousFileChannel"})
    public String driver;

    @Param({"random4k", "seq1m"})
    public String pattern;

    @Param({"16"})
    public int depth;

    private Path path;
    private int size;
    private long[] positions;
    private Reader reader;

    @Setup(Level.Trial)
    public void open() throws Exception {
        size = pattern.equals("seq1m") ? 1 << 20 : 4096;
        path = createHotFile();
        long blocks = ((long) FILE_MIB << 20) / size;
        positions = new long[1 << 16];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < positions.length; i++) {
            positions[i] = size * (pattern.equals("seq1m") ? i % blocks : random.nextLong(blocks));
        }
        reader = switch (driver) {
            case "io_uring", "epoll" -> new JringReader(Backend.parse(driver), path, size, depth);
            case "FileChannel" -> new ChannelReader(path, size);
            case "AsynchronousFileChannel" -> new AsyncChannelReader(path, size, depth);
            default -> throw new IllegalArgumentException("driver " + driver);
        };
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        if (reader != null) {
            reader.close();
        }
    }

    /** {@value #BATCH} reads, {@code depth} at a time for the async drivers; the bytes read. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long read() throws Exception {
        return reader.batch(positions);
    }

    /** Written once per machine (kept across runs), then read through so the page cache holds it. */
    private static Path createHotFile() throws IOException {
        Path dir = Path.of(System.getProperty("jring.bench.dir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(dir);
        Path file = dir.resolve("jring-file-read-bench.bin");
        long bytes = (long) FILE_MIB << 20;
        if (!Files.exists(file) || Files.size(file) != bytes) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
                SplittableRandom random = new SplittableRandom(7);
                for (long at = 0; at < bytes; at += chunk.capacity()) {
                    chunk.clear();
                    while (chunk.hasRemaining()) {
                        chunk.putLong(random.nextLong());
                    }
                    chunk.flip();
                    while (chunk.hasRemaining()) {
                        channel.write(chunk);
                    }
                }
            }
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            long at = 0;
            while (at < bytes) {
                chunk.clear();
                int n = channel.read(chunk, at);
                if (n < 0) {
                    break;
                }
                at += n;
            }
        }
        return file;
    }

    interface Reader extends AutoCloseable {
        long batch(long[] positions) throws Exception;
    }

    /** One read at a time on the calling thread, as blocking code reads. */
    static final class ChannelReader implements Reader {
        private final FileChannel channel;
        private final ByteBuffer buffer;
        private int next;

        ChannelReader(Path path, int size) throws IOException {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            buffer = ByteBuffer.allocateDirect(size);
        }

        @Override
        public long batch(long[] positions) throws IOException {
            long total = 0;
            for (int i = 0; i < BATCH; i++) {
                buffer.clear();
                long position = positions[next++ & (positions.length - 1)];
                while (buffer.hasRemaining()) {
                    int n = channel.read(buffer, position + buffer.position());
                    if (n < 0) {
                        break;
                    }
                }
                total += buffer.position();
            }
            return total;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * The async readers' shared driver: {@code depth} lanes, each starting its next read from the
     * previous one's completion (on whatever thread completes it) until {@value #BATCH} reads have
     * started; the batch ends when all of them have finished. Subclasses only issue one read.
     */
    abstract static class LanedReader implements Reader {
        private final int depth;
        private final AtomicInteger started = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicInteger cursor = new AtomicInteger();
        private final AtomicLong bytes = new AtomicLong();
        private volatile CompletableFuture<Long> done;
        private volatile long[] positions;

        LanedReader(int depth) {
            this.depth = depth;
        }

        /** Starts lane {@code lane}'s read at {@code position}; it ends in {@link #readDone} or {@link #readFailed}. */
        abstract void startRead(int lane, long position);

        @Override
        public final long batch(long[] positions) throws Exception {
            this.positions = positions;
            started.set(0);
            finished.set(0);
            bytes.set(0);
            CompletableFuture<Long> future = new CompletableFuture<>();
            done = future;
            for (int lane = 0; lane < depth; lane++) {
                next(lane);
            }
            return future.get(60, TimeUnit.SECONDS);
        }

        private void next(int lane) {
            if (started.getAndIncrement() >= BATCH) {
                return;
            }
            long[] at = positions;
            startRead(lane, at[cursor.getAndIncrement() & (at.length - 1)]);
        }

        final void readDone(int lane, int count) {
            bytes.addAndGet(count);
            if (finished.incrementAndGet() == BATCH) {
                done.complete(bytes.get());
            } else {
                next(lane);
            }
        }

        final void readFailed(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    /**
     * jring's AsyncFile: each lane has its own pooled buffer (the runtime's block size is the read
     * size) and its own completion callback, so a read allocates no lambda of the benchmark's.
     */
    static final class JringReader extends LanedReader {
        private final IoRuntime runtime;
        private final AsyncFile file;
        private final List<Lane> lanes = new ArrayList<>();

        JringReader(Backend backend, Path path, int size, int depth) throws Exception {
            super(depth);
            runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(backend)
                    .withBuffers(size, Math.max(32, depth * 2), 16));
            if (runtime.backend() != backend) {
                throw new IllegalStateException("asked for " + backend + ", got " + runtime.backend());
            }
            file = runtime.openFile(path).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < depth; i++) {
                lanes.add(new Lane(i, file.allocate()));
            }
        }

        @Override
        void startRead(int lane, long position) {
            Lane l = lanes.get(lane);
            l.buffer.clear();
            file.read(position, l.buffer).whenComplete(l);
        }

        @Override
        public void close() throws Exception {
            for (Lane lane : lanes) {
                lane.buffer.release();
            }
            file.close().get(10, TimeUnit.SECONDS);
            runtime.close();
        }

        private final class Lane implements BiConsumer<Integer, Throwable> {
            final int index;
            final IoBuffer buffer;

            Lane(int index, IoBuffer buffer) {
                this.index = index;
                this.buffer = buffer;
            }

            @Override
            public void accept(Integer count, Throwable error) {
                if (error != null) {
                    readFailed(error);
                } else {
                    readDone(index, count);
                }
            }
        }
    }

    /** The JDK's AsynchronousFileChannel (its default pool), one direct buffer per lane. */
    static final class AsyncChannelReader extends LanedReader {
        private final AsynchronousFileChannel channel;
        private final List<ByteBuffer> buffers = new ArrayList<>();
        private final CompletionHandler<Integer, Integer> handler = new CompletionHandler<>() {
            @Override
            public void completed(Integer count, Integer lane) {
                readDone(lane, count);
            }

            @Override
            public void failed(Throwable error, Integer lane) {
                readFailed(error);
            }
        };

        AsyncChannelReader(Path path, int size, int depth) throws IOException {
            super(depth);
            channel = AsynchronousFileChannel.open(path, StandardOpenOption.READ);
            for (int i = 0; i < depth; i++) {
                buffers.add(ByteBuffer.allocateDirect(size));
            }
        }

        @Override
        void startRead(int lane, long position) {
            ByteBuffer buffer = buffers.get(lane);
            buffer.clear();
            channel.read(buffer, position, lane, handler);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
