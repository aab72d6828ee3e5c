package io.jring.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * liburing's exported functions (liburing 2.3 and later). They return {@code -errno} on
 * failure themselves, so no errno capture is needed.
 *
 * <p>The library is looked up as {@code liburing.so.2}, or as the system property
 * {@code jring.liburing} names. Whether it loaded is a value ({@link #availability()}), never
 * an exception at class initialisation, so the runtime can fall back to epoll and say why.
 */
public final class LibUring {
    /** Default soname; Debian's package {@code liburing2} installs it. */
    public static final String DEFAULT_LIBRARY = "liburing.so.2";

    /** Whether liburing loaded, from where, and why not. */
    public record Availability(boolean loaded, String requested, Optional<Path> path, String failure) {
        /** {@code liburing 2.3}-style version from the resolved file name, when it has one. */
        public Optional<String> version() {
            return path.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("liburing\\.so\\.\\d+\\.\\d+.*"))
                    .map(n -> n.substring("liburing.so.".length()));
        }
    }

    private LibUring() {}

    public static Availability availability() {
        return Handles.AVAILABILITY;
    }

    public static String requestedLibrary() {
        return System.getProperty("jring.liburing", DEFAULT_LIBRARY);
    }

    /** {@code int io_uring_queue_init_params(unsigned, struct io_uring *, struct io_uring_params *)}. */
    public static int queueInitParams(int entries, MemorySegment ring, MemorySegment params) {
        try {
            return (int) handles().queueInitParams.invokeExact(entries, ring, params);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static void queueExit(MemorySegment ring) {
        try {
            handles().queueExit.invokeExact(ring);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** Flushes the SQEs between liburing's {@code sqe_head} and {@code sqe_tail} to the kernel. */
    public static int submit(MemorySegment ring) {
        try {
            return (int) handles().submit.invokeExact(ring);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** Submits, then waits (with GETEVENTS) until at least {@code waitNr} CQEs are posted. */
    public static int submitAndWait(MemorySegment ring, int waitNr) {
        try {
            return (int) handles().submitAndWait.invokeExact(ring, waitNr);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /**
     * {@code io_uring_submit_and_wait_timeout(ring, &cqe, wait_nr, ts, NULL)}: {@code -ETIME}
     * when the timeout passes first. {@code cqePtr} receives a pointer the runtime ignores.
     */
    public static int submitAndWaitTimeout(MemorySegment ring, MemorySegment cqePtr, int waitNr,
                                           MemorySegment timespec) {
        try {
            return (int) handles().submitAndWaitTimeout.invokeExact(ring, cqePtr, waitNr, timespec, MemorySegment.NULL);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code iovecs} is an array of {@link SocketLayouts#IOVEC}. */
    public static int registerBuffers(MemorySegment ring, MemorySegment iovecs, int count) {
        try {
            return (int) handles().registerBuffers.invokeExact(ring, iovecs, count);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static int unregisterBuffers(MemorySegment ring) {
        try {
            return (int) handles().unregisterBuffers.invokeExact(ring);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** {@code reg} is an {@link IoUringAbi#BUF_REG}. */
    public static int registerBufRing(MemorySegment ring, MemorySegment reg, int flags) {
        try {
            return (int) handles().registerBufRing.invokeExact(ring, reg, flags);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static int unregisterBufRing(MemorySegment ring, int bgid) {
        try {
            return (int) handles().unregisterBufRing.invokeExact(ring, bgid);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    /** The kernel's opcode probe for this ring, or NULL; free it with {@link #freeProbe}. */
    public static MemorySegment getProbeRing(MemorySegment ring) {
        try {
            return (MemorySegment) handles().getProbeRing.invokeExact(ring);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    public static void freeProbe(MemorySegment probe) {
        try {
            handles().freeProbe.invokeExact(probe);
        } catch (Throwable t) { throw LibC.rethrow(t); }
    }

    private static Handles handles() {
        Handles h = Handles.INSTANCE;
        if (h == null) {
            throw new IllegalStateException("liburing is not available: " + Handles.AVAILABILITY.failure()
                    + " (install it with: apt-get install liburing2)");
        }
        return h;
    }

    /** Loaded on first use; a missing library leaves INSTANCE null and says why. */
    private static final class Handles {
        static final Availability AVAILABILITY;
        static final Handles INSTANCE;

        static {
            String requested = requestedLibrary();
            Handles handles = null;
            Availability availability;
            try {
                SymbolLookup lookup = lookup(requested);
                handles = new Handles(lookup);
                availability = new Availability(true, requested, resolvedPath(requested), "");
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                availability = new Availability(false, requested, Optional.empty(),
                        "cannot load " + requested + ": " + e.getMessage());
            }
            INSTANCE = handles;
            AVAILABILITY = availability;
        }

        final MethodHandle queueInitParams;
        final MethodHandle queueExit;
        final MethodHandle submit;
        final MethodHandle submitAndWait;
        final MethodHandle submitAndWaitTimeout;
        final MethodHandle registerBuffers;
        final MethodHandle unregisterBuffers;
        final MethodHandle registerBufRing;
        final MethodHandle unregisterBufRing;
        final MethodHandle getProbeRing;
        final MethodHandle freeProbe;

        private Handles(SymbolLookup lib) {
            queueInitParams = Native.downcall(lib, "io_uring_queue_init_params",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            queueExit = Native.downcall(lib, "io_uring_queue_exit", FunctionDescriptor.ofVoid(ADDRESS));
            submit = Native.downcall(lib, "io_uring_submit", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            submitAndWait = Native.downcall(lib, "io_uring_submit_and_wait",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            submitAndWaitTimeout = Native.downcall(lib, "io_uring_submit_and_wait_timeout",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            registerBuffers = Native.downcall(lib, "io_uring_register_buffers",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            unregisterBuffers = Native.downcall(lib, "io_uring_unregister_buffers",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS));
            registerBufRing = Native.downcall(lib, "io_uring_register_buf_ring",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            unregisterBufRing = Native.downcall(lib, "io_uring_unregister_buf_ring",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            getProbeRing = Native.downcall(lib, "io_uring_get_probe_ring",
                    FunctionDescriptor.of(ADDRESS, ADDRESS));
            freeProbe = Native.downcall(lib, "io_uring_free_probe", FunctionDescriptor.ofVoid(ADDRESS));
        }

        /** Denied native access is not a missing library: it must not turn into a quiet epoll fallback. */
        private static SymbolLookup lookup(String library) {
            try {
                return SymbolLookup.libraryLookup(library, Arena.global());
            } catch (IllegalCallerException e) {
                throw NativeAccess.denied(e);
            }
        }

        /** The file the dynamic loader mapped, read back from /proc/self/maps. */
        private static Optional<Path> resolvedPath(String requested) {
            String stem = Path.of(requested).getFileName().toString();
            try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
                return lines.map(line -> line.substring(line.lastIndexOf(' ') + 1))
                        .filter(p -> p.startsWith("/") && Path.of(p).getFileName().toString().startsWith(stem))
                        .findFirst()
                        .map(Path::of)
                        .map(p -> {
                            try {
                                return p.toRealPath();
                            } catch (IOException e) {
                                return p;
                            }
                        });
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
