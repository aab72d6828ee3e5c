package io.jring.uring;

import io.jring.bindings.Errno;
import io.jring.bindings.IoUringAbi;
import io.jring.bindings.IoUringConstants;
import io.jring.bindings.LibUring;
import io.jring.bindings.LibUringLayouts;
import io.jring.bindings.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this machine's io_uring can do: whether liburing loads, whether a ring can be set up
 * (and the errno if not), the ring's feature bits and the opcodes the kernel's probe lists.
 * Backend selection and {@code ./jring doctor} read the same result.
 */
public record UringProbe(LibUring.Availability library, int setupErrno, int features, Set<Integer> supportedOps) {

    /** The opcodes the runtime's operations need; a kernel without one of them runs epoll. */
    public static final List<Integer> REQUIRED_OPS = List.of(
            IoUringConstants.IORING_OP_ACCEPT, IoUringConstants.IORING_OP_CONNECT,
            IoUringConstants.IORING_OP_RECV, IoUringConstants.IORING_OP_SEND,
            IoUringConstants.IORING_OP_SENDMSG, IoUringConstants.IORING_OP_READ,
            IoUringConstants.IORING_OP_READ_FIXED, IoUringConstants.IORING_OP_WRITE_FIXED,
            IoUringConstants.IORING_OP_ASYNC_CANCEL, IoUringConstants.IORING_OP_LINK_TIMEOUT,
            IoUringConstants.IORING_OP_SHUTDOWN);

    /** Probes the running kernel with a small throwaway ring. */
    public static UringProbe run() {
        LibUring.Availability library = LibUring.availability();
        if (!library.loaded()) {
            return new UringProbe(library, 0, 0, Set.of());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(LibUringLayouts.RING);
            MemorySegment params = arena.allocate(IoUringAbi.PARAMS);
            int res = LibUring.queueInitParams(4, ring, params);
            if (res < 0) {
                return new UringProbe(library, -res, 0, Set.of());
            }
            try {
                int features = params.get(ValueLayout.JAVA_INT, IoUringAbi.PARAMS_FEATURES);
                return new UringProbe(library, 0, features, readProbe(ring));
            } finally {
                LibUring.queueExit(ring);
            }
        }
    }

    /**
     * The opcodes {@code -Djring.probe.hideOps=SPLICE,OPENAT} names: taken out of every probe
     * answer (backend selection, {@code doctor}, and each loop's own ring), so the fallback of
     * an io_uring-only path runs on a kernel that has it. Unknown names are refused.
     */
    public static Set<Integer> hiddenOps() {
        Set<Integer> hidden = new TreeSet<>();
        for (String name : System.getProperty("jring.probe.hideOps", "").split(",")) {
            if (!name.isBlank()) {
                int opcode = IoUringConstants.OPCODE_NAMES.indexOf(name.trim().toUpperCase(java.util.Locale.ROOT));
                if (opcode < 0) {
                    throw new IllegalArgumentException("jring.probe.hideOps: unknown opcode " + name
                            + " (names are IORING_OP_* without the prefix, e.g. RECVMSG)");
                }
                hidden.add(opcode);
            }
        }
        return hidden;
    }

    /** The opcodes the kernel lists for this ring (liburing's {@code struct io_uring}), minus {@link #hiddenOps()}. */
    static Set<Integer> supportedOps(MemorySegment ring) {
        Set<Integer> supported = new TreeSet<>(readProbe(ring));
        supported.removeAll(hiddenOps());
        return Collections.unmodifiableSet(supported);
    }

    private static Set<Integer> readProbe(MemorySegment ring) {
        MemorySegment probe = LibUring.getProbeRing(ring);
        if (probe.equals(MemorySegment.NULL)) {
            return Set.of(); // kernels before 5.6 have no probe, and lack what we need anyway
        }
        try {
            long header = IoUringAbi.PROBE.byteSize();
            long opSize = IoUringAbi.PROBE_OP.byteSize();
            MemorySegment view = NativeMemory.view(probe, header + 256 * opSize);
            int opsLen = Byte.toUnsignedInt(view.get(ValueLayout.JAVA_BYTE, IoUringAbi.PROBE_OPS_LEN));
            Set<Integer> supported = new TreeSet<>();
            for (int op = 0; op < opsLen; op++) {
                short flags = view.get(ValueLayout.JAVA_SHORT, header + op * opSize + IoUringAbi.PROBE_OP_FLAGS);
                if ((flags & IoUringConstants.IO_URING_OP_SUPPORTED) != 0) {
                    supported.add(op);
                }
            }
            return Collections.unmodifiableSet(supported);
        } finally {
            LibUring.freeProbe(probe);
        }
    }

    public boolean setupSucceeded() {
        return library.loaded() && setupErrno == 0;
    }

    /** Required opcodes the kernel does not list, by name. */
    public List<String> missingOps() {
        List<String> missing = new ArrayList<>();
        for (int op : REQUIRED_OPS) {
            if (!supportedOps.contains(op)) {
                missing.add(IoUringConstants.opcodeName(op));
            }
        }
        return missing;
    }

    /**
     * Required ring features the kernel lacks, by name. EXT_ARG (5.11, the release that added
     * SHUTDOWN, which is required too) lets a loop wait for completions with a timeout.
     */
    public List<String> missingFeatures() {
        return (features & IoUringConstants.IORING_FEAT_EXT_ARG) != 0 ? List.of() : List.of("EXT_ARG");
    }

    /** A copy of this probe without {@code opcode}: the seam tests use to stand for an older kernel. */
    public UringProbe without(int opcode) {
        Set<Integer> fewer = new TreeSet<>(supportedOps);
        fewer.remove(opcode);
        return new UringProbe(library, setupErrno, features, Collections.unmodifiableSet(fewer));
    }

    public String setupErrnoName() {
        return Errno.name(setupErrno);
    }
}
