package io.jring.bench.jmh;

import static io.jring.bindings.LibUringLayouts.CQ_CQES;
import static io.jring.bindings.LibUringLayouts.CQ_KHEAD;
import static io.jring.bindings.LibUringLayouts.CQ_KTAIL;
import static io.jring.bindings.LibUringLayouts.CQ_RING_ENTRIES;
import static io.jring.bindings.LibUringLayouts.CQ_RING_MASK;
import static io.jring.bindings.LibUringLayouts.RING_FD;
import static io.jring.bindings.LibUringLayouts.SQ_ARRAY;
import static io.jring.bindings.LibUringLayouts.SQ_KTAIL;
import static io.jring.bindings.LibUringLayouts.SQ_RING_ENTRIES;
import static io.jring.bindings.LibUringLayouts.SQ_RING_MASK;
import static io.jring.bindings.LibUringLayouts.SQ_SQES;

import io.jring.bindings.IoUringAbi;
import io.jring.bindings.IoUringConstants;
import io.jring.bindings.LibC;
import io.jring.bindings.LibUring;
import io.jring.bindings.LibUringLayouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
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
 * The floor of the io_uring driver: one IORING_OP_NOP written as an SQE, submitted with
 * io_uring_enter (GETEVENTS, wait for 1), and its CQE reaped — the same steps as the runtime's
 * Ring, through the bindings only, with no runtime around them. {@code nop} pays one syscall
 * per operation; {@code nopBatch32} shows what batching 32 SQEs per enter leaves per operation.
 * Neither should allocate ({@code -prof gc}: gc.alloc.rate.norm ≈ 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class UringNopBenchmark {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int BATCH = 32;

    private Arena arena;
    private MemorySegment ring;
    private int fd;
    private MemorySegment sqTail;
    private MemorySegment sqArray;
    private MemorySegment sqes;
    private int sqMask;
    private MemorySegment cqHead;
    private MemorySegment cqTail;
    private MemorySegment cqes;
    private int cqMask;
    private int tail;
    private long userData;

    @Setup(Level.Trial)
    public void open() {
        arena = Arena.ofConfined();
        ring = arena.allocate(LibUringLayouts.RING);
        MemorySegment params = arena.allocate(IoUringAbi.PARAMS);
        // The runtime's strongest flag set first; the setup thread is the benchmark thread (Scope.Thread).
        int[] candidates = {
            IoUringConstants.IORING_SETUP_SINGLE_ISSUER | IoUringConstants.IORING_SETUP_DEFER_TASKRUN
                    | IoUringConstants.IORING_SETUP_COOP_TASKRUN | IoUringConstants.IORING_SETUP_SUBMIT_ALL,
            IoUringConstants.IORING_SETUP_COOP_TASKRUN | IoUringConstants.IORING_SETUP_SUBMIT_ALL,
            0,
        };
        int res = -1;
        for (int flags : candidates) {
            params.fill((byte) 0);
            params.set(ValueLayout.JAVA_INT, IoUringAbi.PARAMS_FLAGS, flags);
            res = LibUring.queueInitParams(64, ring, params);
            if (res == 0) {
                break;
            }
        }
        if (res != 0) {
            throw new IllegalStateException("io_uring_queue_init_params: " + res);
        }
        fd = ring.get(ValueLayout.JAVA_INT, RING_FD);
        int sqEntries = ring.get(ValueLayout.JAVA_INT, SQ_RING_ENTRIES);
        int cqEntries = ring.get(ValueLayout.JAVA_INT, CQ_RING_ENTRIES);
        sqMask = ring.get(ValueLayout.JAVA_INT, SQ_RING_MASK);
        cqMask = ring.get(ValueLayout.JAVA_INT, CQ_RING_MASK);
        sqTail = pointer(SQ_KTAIL, 4);
        sqArray = pointer(SQ_ARRAY, 4L * sqEntries);
        sqes = pointer(SQ_SQES, IoUringAbi.SQE_SIZE * sqEntries);
        cqHead = pointer(CQ_KHEAD, 4);
        cqTail = pointer(CQ_KTAIL, 4);
        cqes = pointer(CQ_CQES, IoUringAbi.CQE_SIZE * cqEntries);
        tail = (int) INT.getAcquire(sqTail, 0L);
    }

    @SuppressWarnings("restricted") // the ring's mmapped queues, as liburing set them up
    private MemorySegment pointer(long offset, long size) {
        return ring.get(ValueLayout.ADDRESS, offset).reinterpret(size);
    }

    @TearDown(Level.Trial)
    public void close() {
        LibUring.queueExit(ring);
        arena.close();
    }

    private void writeNop() {
        int index = tail & sqMask;
        sqArray.setAtIndex(ValueLayout.JAVA_INT, index, index);
        long offset = index * IoUringAbi.SQE_SIZE;
        for (long i = 0; i < IoUringAbi.SQE_SIZE; i += 8) {
            sqes.set(ValueLayout.JAVA_LONG, offset + i, 0L);
        }
        sqes.set(ValueLayout.JAVA_BYTE, offset + IoUringAbi.SQE_OPCODE, (byte) IoUringConstants.IORING_OP_NOP);
        sqes.set(ValueLayout.JAVA_LONG, offset + IoUringAbi.SQE_USER_DATA, ++userData);
        tail++;
    }

    /** Submits what was written and waits for {@code n} completions; returns the sum of their user_data. */
    private long submitAndReap(int n) {
        INT.setRelease(sqTail, 0L, tail);
        int res = LibC.ioUringEnter(fd, n, n, IoUringConstants.IORING_ENTER_GETEVENTS);
        if (res < 0) {
            throw new IllegalStateException("io_uring_enter: " + res);
        }
        long sum = 0;
        int head = (int) INT.get(cqHead, 0L);
        int ready = (int) INT.getAcquire(cqTail, 0L) - head;
        if (ready < n) {
            throw new IllegalStateException("expected " + n + " CQEs, have " + ready);
        }
        for (int i = 0; i < n; i++) {
            long at = ((head + i) & cqMask) * IoUringAbi.CQE_SIZE;
            sum += cqes.get(ValueLayout.JAVA_LONG, at + IoUringAbi.CQE_USER_DATA);
        }
        INT.setRelease(cqHead, 0L, head + n);
        return sum;
    }

    @Benchmark
    public long nop() {
        writeNop();
        return submitAndReap(1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long nopBatch32() {
        for (int i = 0; i < BATCH; i++) {
            writeNop();
        }
        return submitAndReap(BATCH);
    }
}
