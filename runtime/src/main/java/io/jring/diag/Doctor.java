package io.jring.diag;

import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.bindings.IoUringConstants;
import io.jring.bindings.LibC;
import io.jring.bindings.LibUring;
import io.jring.bindings.Linux;
import io.jring.bindings.NativeAccess;
import io.jring.bindings.SocketLayouts;
import io.jring.jfr.JringEvents;
import io.jring.select.BackendChoice;
import io.jring.select.BackendSelection;
import io.jring.uring.UringProbe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./jring doctor}: what this machine offers jring, one fact a line, ending with the
 * backend the runtime would choose and why. Exits 1 when no runtime can open (for example
 * io_uring is required but refused). With {@code --jfr} it then records the {@code jring.*} JFR
 * events of an echo run and prints the loop statistics read back from the recording.
 */
public final class Doctor {
    private Doctor() {}

    public static void main(String[] args) {
        NativeAccess.ensureGranted(); // a denial names its flag instead of reading as "no liburing"
        UringProbe probe = BackendSelection.probe();
        line("kernel", readOr("/proc/sys/kernel/osrelease", "unknown"));
        line("kernel.io_uring_disabled", readOr("/proc/sys/kernel/io_uring_disabled", "absent (kernel before 6.6)"));
        line("liburing", liburing(probe.library()));
        line("io_uring_setup", !probe.library().loaded() ? "not tried (liburing not loaded)"
                : probe.setupErrno() == 0 ? "ok" : "failed: " + probe.setupErrnoName());
        if (probe.setupSucceeded()) {
            line("io_uring ops", opNames(probe));
            line("io_uring features", featureNames(probe.features()));
            List<String> missing = probe.missingOps();
            line("io_uring ops jring needs", missing.isEmpty() ? "all present" : "missing " + String.join(", ", missing));
            List<String> missingFeatures = probe.missingFeatures();
            line("io_uring features jring needs", missingFeatures.isEmpty() ? "all present"
                    : "missing " + String.join(", ", missingFeatures));
            line("io_uring-only ops", UringOnlyPaths.opcodes(probe));
            line("sendFile", UringOnlyPaths.sendFile(probe));
            line("files", UringOnlyPaths.files(probe));
        }
        line("RLIMIT_MEMLOCK", rlimit(Linux.RLIMIT_MEMLOCK, true));
        line("RLIMIT_NOFILE", rlimit(Linux.RLIMIT_NOFILE, false));
        line("jdk", Runtime.version().toString() + " (" + System.getProperty("java.home") + ")");
        int status = 0;
        try {
            BackendChoice choice = BackendSelection.choose(BackendSelection.forced(java.util.Optional.empty()),
                    IoRuntimeOptions.defaults().requireUring(), () -> probe);
            try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1)
                    .withZeroCopySendThreshold(UringOnlyPaths.TRIAL_THRESHOLD))) {
                line("recvmsg multishot", recvmsgMultishot(runtime));
                line("unix sockets", UnixSocketCheck.run(runtime));
                line("zero-copy send", UringOnlyPaths.zeroCopyTrial(runtime));
                line("loop", runtime.describeLoops().getFirst().substring(3));
            } catch (IOException | RuntimeException e) {
                line("loop", "cannot open: " + e.getMessage());
                status = 1;
            }
            line("backend", choice.describe());
        } catch (IOException | RuntimeException e) {
            line("backend", "none (" + e.getMessage() + ")");
            status = 1;
        }
        if (status == 0 && List.of(args).contains("--jfr")) {
            status = jfr();
        }
        System.exit(status);
    }

    /** {@code --jfr}: an echo run recorded with the jring.* events, read back and printed. */
    private static int jfr() {
        if (!JringEvents.available()) {
            line("jfr", "not available: this Java runtime has no jdk.jfr module (a jlinked image without it?)");
            return 1;
        }
        try {
            JfrDoctor.run(Doctor::line);
            return 0;
        } catch (Exception | LinkageError e) {
            line("jfr", "the recorded echo run failed: " + e);
            return 1;
        }
    }

    /**
     * Whether datagrams arrive through multishot RECVMSG here: not guessed from the kernel
     * version but tried, with one datagram sent to a loopback endpoint of the runtime just opened
     * (a kernel before 6.0 refuses the flag, and the loop then says so).
     */
    private static String recvmsgMultishot(IoRuntime runtime) {
        if (runtime.backend() != io.jring.Backend.IO_URING) {
            return "not used (" + runtime.backend() + " reads each datagram with recvmsg)";
        }
        try {
            io.jring.DatagramEndpoint endpoint = runtime.bindDatagram(new java.net.InetSocketAddress("127.0.0.1", 0));
            try (java.net.DatagramSocket peer = new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 0))) {
                java.util.concurrent.CompletableFuture<io.jring.Datagram> received = endpoint.recv(java.time.Duration.ofSeconds(5));
                peer.send(new java.net.DatagramPacket(new byte[] {1}, 1, endpoint.localAddress()));
                received.get(10, java.util.concurrent.TimeUnit.SECONDS).release();
            } finally {
                endpoint.close().get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            return "unknown (a loopback datagram failed: " + e + ")";
        }
        String loop = runtime.describeLoops().getFirst();
        if (loop.contains("recvmsg=multishot") && !loop.contains("refused multishot recvmsg")) {
            return "supported (a loopback datagram came through it)";
        }
        if (loop.contains("recvmsg=poll+recvmsg")) {
            return "not used (RECVMSG hidden: poll, then recvmsg on the loop thread)";
        }
        return loop.contains("refused multishot recvmsg") ? "not supported (the kernel refused it: before 6.0); one RECVMSG per receive"
                : "not used (one RECVMSG per receive: multishot recv is off or provided-buffer rings are missing)";
    }

    private static void line(String name, String value) {
        System.out.println(name + ": " + value);
    }

    private static String liburing(LibUring.Availability library) {
        if (!library.loaded()) {
            return "not loadable (" + library.failure() + "; install liburing2)";
        }
        return "loaded " + library.path().map(Path::toString).orElse(library.requested())
                + library.version().map(v -> " (version " + v + ")").orElse("");
    }

    private static String opNames(UringProbe probe) {
        List<String> names = new ArrayList<>();
        for (int op : probe.supportedOps()) {
            names.add(IoUringConstants.opcodeName(op));
        }
        return names.size() + " supported: " + String.join(" ", names);
    }

    private static String featureNames(int features) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((features & (1 << bit)) != 0) {
                names.add(bit < IoUringConstants.FEATURE_NAMES.size() ? IoUringConstants.FEATURE_NAMES.get(bit) : "bit" + bit);
            }
        }
        return String.join(" ", names);
    }

    private static String rlimit(int resource, boolean bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(SocketLayouts.RLIMIT);
            int res = LibC.getrlimit(resource, limit);
            if (res < 0) {
                return "unknown (getrlimit: " + io.jring.bindings.Errno.name(res) + ")";
            }
            return amount(limit.get(ValueLayout.JAVA_LONG, 0), bytes) + " soft, "
                    + amount(limit.get(ValueLayout.JAVA_LONG, 8), bytes) + " hard";
        }
    }

    private static String amount(long value, boolean bytes) {
        if (value == Linux.RLIM_INFINITY) {
            return "unlimited";
        }
        return bytes ? value / 1024 + " KiB" : Long.toString(value);
    }

    private static String readOr(String file, String fallback) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }
}
