package io.jring.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bindings against the real kernel: an io_uring ring driven by hand the way the runtime
 * drives it (liburing only sets up, submits and tears down), the opcode probe, epoll, errno
 * capture and liburing's loading. io_uring is required here: a ring that cannot be set up is a
 * failure naming the errno, never a skip, because CI must run on io_uring.
 */
@SuppressWarnings("restricted") // reinterpret() of kernel-shared rings; surefire grants native access
class KernelSmokeTest {
    /** int accessed with acquire/release, as liburing's io_uring_smp_load_acquire does. */
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final int ENTRIES = 8;

    @Test
    void ringSetUpAndTearDown() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(IoUringAbi.PARAMS);
            MemorySegment ring = openRing(arena, params);
            try {
                assertEquals(ENTRIES, params.get(JAVA_INT, IoUringAbi.PARAMS_SQ_ENTRIES));
                assertEquals(2 * ENTRIES, params.get(JAVA_INT, IoUringAbi.PARAMS_CQ_ENTRIES));
                assertTrue(ring.get(JAVA_INT, LibUringLayouts.RING_FD) >= 0, "ring_fd");
                assertEquals(ENTRIES, ring.get(JAVA_INT, LibUringLayouts.SQ_RING_ENTRIES));
                assertEquals(ENTRIES - 1, ring.get(JAVA_INT, LibUringLayouts.SQ_RING_MASK));
                int features = params.get(JAVA_INT, IoUringAbi.PARAMS_FEATURES);
                assertEquals(features, ring.get(JAVA_INT, LibUringLayouts.RING_FEATURES));
                assertTrue((features & IoUringConstants.IORING_FEAT_SINGLE_MMAP) != 0, "FEAT_SINGLE_MMAP");
            } finally {
                LibUring.queueExit(ring);
            }
        }
    }

    @Test
    void nopWrittenByHandCompletes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = openRing(arena, arena.allocate(IoUringAbi.PARAMS));
            try {
                // Write the SQE where liburing's io_uring_get_sqe would hand it out.
                MemorySegment sqes = ring.get(ADDRESS, LibUringLayouts.SQ_SQES)
                        .reinterpret(ENTRIES * IoUringAbi.SQE_SIZE);
                int tail = ring.get(JAVA_INT, LibUringLayouts.SQ_SQE_TAIL);
                int mask = ring.get(JAVA_INT, LibUringLayouts.SQ_RING_MASK);
                MemorySegment sqe = sqes.asSlice((tail & mask) * IoUringAbi.SQE_SIZE, IoUringAbi.SQE_SIZE);
                sqe.fill((byte) 0);
                sqe.set(JAVA_BYTE, IoUringAbi.SQE_OPCODE, (byte) IoUringConstants.IORING_OP_NOP);
                sqe.set(JAVA_INT, IoUringAbi.SQE_FD, -1);
                sqe.set(JAVA_LONG, IoUringAbi.SQE_USER_DATA, 0xC0FFEEL);
                ring.set(JAVA_INT, LibUringLayouts.SQ_SQE_TAIL, tail + 1);

                int submitted = LibUring.submitAndWait(ring, 1);
                assertEquals(1, submitted, () -> "io_uring_submit_and_wait: " + Errno.describe(submitted));

                // Reap it the way io_uring_peek_cqe + io_uring_cqe_seen do.
                MemorySegment khead = ring.get(ADDRESS, LibUringLayouts.CQ_KHEAD).reinterpret(4);
                MemorySegment ktail = ring.get(ADDRESS, LibUringLayouts.CQ_KTAIL).reinterpret(4);
                int cqEntries = ring.get(JAVA_INT, LibUringLayouts.CQ_RING_ENTRIES);
                int cqMask = ring.get(JAVA_INT, LibUringLayouts.CQ_RING_MASK);
                MemorySegment cqes = ring.get(ADDRESS, LibUringLayouts.CQ_CQES)
                        .reinterpret(cqEntries * IoUringAbi.CQE_SIZE);
                int head = (int) INT.getAcquire(khead, 0L);
                int cqTail = (int) INT.getAcquire(ktail, 0L);
                assertEquals(1, cqTail - head, "CQEs ready after submit_and_wait(1)");
                MemorySegment cqe = cqes.asSlice((head & cqMask) * IoUringAbi.CQE_SIZE, IoUringAbi.CQE_SIZE);
                assertEquals(0xC0FFEEL, cqe.get(JAVA_LONG, IoUringAbi.CQE_USER_DATA));
                assertEquals(0, cqe.get(JAVA_INT, IoUringAbi.CQE_RES), "NOP's res");
                INT.setRelease(khead, 0L, head + 1);
                assertEquals(cqTail, (int) INT.getAcquire(khead, 0L), "CQ drained");
            } finally {
                LibUring.queueExit(ring);
            }
        }
    }

    @Test
    void probeListsTheNetworkOpcodes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = openRing(arena, arena.allocate(IoUringAbi.PARAMS));
            try {
                MemorySegment probe = LibUring.getProbeRing(ring);
                assertNotEquals(MemorySegment.NULL, probe, "io_uring_get_probe_ring returned NULL");
                try {
                    int opsLen = Byte.toUnsignedInt(probe.reinterpret(IoUringAbi.PROBE.byteSize())
                            .get(JAVA_BYTE, IoUringAbi.PROBE_OPS_LEN));
                    MemorySegment all = probe.reinterpret(
                            IoUringAbi.PROBE.byteSize() + opsLen * IoUringAbi.PROBE_OP.byteSize());
                    List<String> unsupported = new ArrayList<>();
                    for (int op : new int[] {IoUringConstants.IORING_OP_ACCEPT,
                            IoUringConstants.IORING_OP_RECV, IoUringConstants.IORING_OP_SEND}) {
                        // ops[] starts right after the 16-byte header, one io_uring_probe_op each.
                        long at = IoUringAbi.PROBE.byteSize() + op * IoUringAbi.PROBE_OP.byteSize();
                        boolean supported = op < opsLen
                                && (all.get(JAVA_SHORT, at + IoUringAbi.PROBE_OP_FLAGS)
                                        & IoUringConstants.IO_URING_OP_SUPPORTED) != 0;
                        if (!supported) unsupported.add(IoUringConstants.opcodeName(op));
                    }
                    assertTrue(unsupported.isEmpty(), "kernel probe lacks " + unsupported + " (ops_len " + opsLen + ")");
                } finally {
                    LibUring.freeProbe(probe);
                }
            } finally {
                LibUring.queueExit(ring);
            }
        }
    }

    @Test
    void epollSeesASocketpairBecomeReadable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = LibC.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0, fds);
            assertEquals(0, rc, () -> "socketpair: " + Errno.describe(rc));
            int reader = fds.getAtIndex(JAVA_INT, 0);
            int writer = fds.getAtIndex(JAVA_INT, 1);
            int epfd = LibC.epollCreate1(Linux.EPOLL_CLOEXEC);
            try {
                assertTrue(epfd >= 0, () -> "epoll_create1: " + Errno.describe(epfd));
                long token = 0x1234_5678_9ABCL;
                MemorySegment event = arena.allocate(SocketLayouts.EPOLL_EVENT);
                event.set(JAVA_INT, SocketLayouts.EPOLL_EVENTS, Linux.EPOLLIN);
                event.set(JAVA_LONG_UNALIGNED, SocketLayouts.EPOLL_DATA, token); // offset 4 on x86-64
                int ctl = LibC.epollCtl(epfd, Linux.EPOLL_CTL_ADD, reader, event);
                assertEquals(0, ctl, () -> "epoll_ctl ADD: " + Errno.describe(ctl));

                MemorySegment ready = arena.allocate(SocketLayouts.EPOLL_EVENT, 4);
                assertEquals(0, LibC.epollWait(epfd, ready, 4, 0), "nothing readable yet");

                MemorySegment one = arena.allocate(1);
                one.set(JAVA_BYTE, 0, (byte) 42);
                assertEquals(1, LibC.write(writer, one, 1));
                int n = LibC.epollWait(epfd, ready, 4, 5_000);
                assertEquals(1, n, () -> "epoll_wait: " + (n < 0 ? Errno.describe(n) : n + " events"));
                assertTrue((ready.get(JAVA_INT, SocketLayouts.EPOLL_EVENTS) & Linux.EPOLLIN) != 0, "EPOLLIN");
                assertEquals(token, ready.get(JAVA_LONG_UNALIGNED, SocketLayouts.EPOLL_DATA), "epoll data");

                MemorySegment in = arena.allocate(1);
                assertEquals(1, LibC.read(reader, in, 1));
                assertEquals(42, in.get(JAVA_BYTE, 0));
            } finally {
                if (epfd >= 0) LibC.close(epfd);
                LibC.close(reader);
                LibC.close(writer);
            }
        }
    }

    @Test
    void errnoIsCapturedAndNamed() {
        assertEquals(-Errno.EBADF, LibC.close(-1));
        assertEquals("EBADF", Errno.name(-9));
        assertTrue(Errno.describe(Errno.EBADF).contains("Bad file descriptor"), Errno.describe(Errno.EBADF));
    }

    @Test
    void liburingIsLoadedWithPathAndVersion() {
        LibUring.Availability a = LibUring.availability();
        assertTrue(a.loaded(), () -> "liburing did not load: " + a.failure() + "; install it: apt-get install liburing2");
        assertTrue(a.path().isPresent(), () -> "no resolved path for " + a.requested());
        assertTrue(Files.isRegularFile(a.path().get()), () -> a.path().get() + " is not a file");
        String version = a.version().orElseThrow(() -> new AssertionError("no version in " + a.path().get()));
        assertTrue(version.matches("\\d+\\.\\d+.*"), version);
    }

    /** A missing liburing must be a value in a fresh JVM: loaded=false and why, exit code 0. */
    @Test
    void missingLiburingIsReportedNotFatal() throws Exception {
        String missing = "liburing-does-not-exist.so.9";
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path out = Files.createTempFile(Path.of("target"), "availability", ".txt");
        try {
            Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                    "-Djring.liburing=" + missing,
                    "-cp", System.getProperty("java.class.path"), AvailabilityMain.class.getName())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor();
                fail("child JVM did not finish within 60 s");
            }
            String output = Files.readString(out);
            assertEquals(0, child.exitValue(), () -> "child JVM failed:\n" + output);
            assertTrue(output.contains("loaded=false"), output);
            assertTrue(output.lines().anyMatch(l -> l.startsWith("failure=") && l.contains(missing)), output);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Sets up a ring of {@link #ENTRIES}, failing (never skipping) with the errno if it cannot. */
    private static MemorySegment openRing(Arena arena, MemorySegment params) {
        LibUring.Availability a = LibUring.availability();
        assertTrue(a.loaded(), () -> "liburing did not load: " + a.failure() + "; install it: apt-get install liburing2");
        MemorySegment ring = arena.allocate(LibUringLayouts.RING);
        int rc = LibUring.queueInitParams(ENTRIES, ring, params);
        if (rc != 0) {
            fail("io_uring_queue_init_params(" + ENTRIES + ") failed: " + Errno.describe(rc)
                    + "; io_uring is required here (kernel.io_uring_disabled=" + sysctl() + ")");
        }
        return ring;
    }

    private static String sysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).strip();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
