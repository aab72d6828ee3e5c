package io.jring.diag;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoRuntime;
import io.jring.Listener;
import io.jring.RuntimeStats;
import io.jring.bindings.IoUringConstants;
import io.jring.uring.UringProbe;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * {@code doctor}'s lines about the paths only io_uring has, each with what runs where the ring
 * lacks it: zero-copy sends, sendFile's SPLICE, multishot RECVMSG (tried apart, in {@link Doctor})
 * and the file ops. The probe says whether the kernel lists an opcode; zero-copy is also tried.
 */
final class UringOnlyPaths {
    /** The smallest send {@code doctor}'s runtime sends zero-copy: its one trial send is above it. */
    static final int TRIAL_THRESHOLD = 16 * 1024;

    private static final int[] OPS = {
        IoUringConstants.IORING_OP_SEND_ZC, IoUringConstants.IORING_OP_SPLICE, IoUringConstants.IORING_OP_RECVMSG,
        IoUringConstants.IORING_OP_OPENAT, IoUringConstants.IORING_OP_READ, IoUringConstants.IORING_OP_WRITE,
        IoUringConstants.IORING_OP_FSYNC, IoUringConstants.IORING_OP_STATX, IoUringConstants.IORING_OP_CLOSE,
    };
    private static final int[] FILE_OPS = {
        IoUringConstants.IORING_OP_OPENAT, IoUringConstants.IORING_OP_READ, IoUringConstants.IORING_OP_WRITE,
        IoUringConstants.IORING_OP_FSYNC, IoUringConstants.IORING_OP_STATX, IoUringConstants.IORING_OP_CLOSE,
    };

    private UringOnlyPaths() {}

    /** {@code SEND_ZC yes, SPLICE yes, ...}: each io_uring-only opcode jring uses, as the probe lists it. */
    static String opcodes(UringProbe probe) {
        StringJoiner line = new StringJoiner(", ");
        for (int op : OPS) {
            line.add(IoUringConstants.opcodeName(op) + (probe.supportedOps().contains(op) ? " yes" : " no"));
        }
        return line.toString();
    }

    /** What sendFile runs here. */
    static String sendFile(UringProbe probe) {
        return probe.supportedOps().contains(IoUringConstants.IORING_OP_SPLICE)
                ? "SPLICE (file -> pipe -> socket, no copy into Java memory)"
                : "read + send through one pooled block (the ring lacks SPLICE)";
    }

    /** Which file ops go through the ring, and which run on the blocking pool instead. */
    static String files(UringProbe probe) {
        List<String> missing = new ArrayList<>();
        for (int op : FILE_OPS) {
            if (!probe.supportedOps().contains(op)) {
                missing.add(IoUringConstants.opcodeName(op));
            }
        }
        return missing.isEmpty() ? "through the ring (OPENAT READ WRITE FSYNC STATX CLOSE)"
                : "through the ring, except " + String.join(" ", missing) + " (on the blocking pool)";
    }

    /**
     * Whether a send really goes through SEND_ZC: one 64 KiB send over loopback from {@code
     * runtime} (opened with {@link #TRIAL_THRESHOLD}), read by a plain socket, and the runtime's
     * counts compared before and after.
     */
    static String zeroCopyTrial(IoRuntime runtime) {
        if (runtime.backend() != Backend.IO_URING) {
            return "not used (" + runtime.backend() + " sends with plain send)";
        }
        RuntimeStats before = runtime.stats();
        try {
            Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
            var accepted = listener.accept();
            try (Socket peer = new Socket()) {
                peer.connect(listener.localAddress(), 5_000);
                peer.setSoTimeout(10_000);
                Connection connection = accepted.get(10, TimeUnit.SECONDS);
                connection.send(MemorySegment.ofArray(new byte[64 * 1024])).get(10, TimeUnit.SECONDS);
                InputStream in = peer.getInputStream();
                in.readNBytes(64 * 1024);
                connection.close().get(10, TimeUnit.SECONDS);
            } finally {
                listener.close();
            }
        } catch (Exception e) {
            return "unknown (a loopback send failed: " + e + ")";
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        RuntimeStats after = runtime.stats();
        while (after.zeroCopySends() == before.zeroCopySends() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10); // the notification may trail the peer's read a little
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            after = runtime.stats();
        }
        long sends = after.zeroCopySends() - before.zeroCopySends();
        long copied = after.zeroCopyCopied() - before.zeroCopyCopied();
        String option = "; off unless IoRuntimeOptions.withZeroCopySendThreshold or -Djring.send.zeroCopyThreshold";
        if (sends == 0) {
            return "not used (a loopback send went by plain SEND: the ring lacks SEND_ZC, or the socket refused it)"
                    + option;
        }
        return "supported (a loopback send went through SEND_ZC; the kernel "
                + (copied > 0 ? "copied it, as it does for every loopback or veth send)" : "did not copy it)") + option;
    }
}
