package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The runtime suite ({@link RuntimeContract} and every topic nested in it) on io_uring. */
class UringRuntimeTest extends RuntimeContract {
    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }

    /**
     * The file suite again with SPLICE and the ring's file opcodes hidden (as on a kernel
     * without them): sendFile reads and sends through one pooled block, and open, write,
     * fsync, statx and close run on the blocking pool (READ is required, so reads stay on the ring).
     */
    @org.junit.jupiter.api.Nested
    @org.junit.jupiter.api.DisplayName("files with SPLICE, OPENAT, WRITE, FSYNC, STATX, CLOSE hidden")
    class FilesWithoutRingFileOps extends FilesContract {
        @Override
        protected Backend backend() {
            return Backend.IO_URING;
        }

        @Override
        protected String hiddenOps() {
            return "SPLICE,OPENAT,WRITE,READV,WRITEV,FSYNC,STATX,CLOSE";
        }

        @Override
        protected String expectedSendFileForm() {
            return "read+send";
        }
    }

    /** Zero-copy sends with SEND_ZC hidden (as on a kernel before 6.0): every send is a plain SEND. */
    @org.junit.jupiter.api.Nested
    @org.junit.jupiter.api.DisplayName("zero-copy sends with SEND_ZC hidden")
    class ZeroCopySendsWithoutSendZc extends ZeroCopySendContract {
        @Override
        protected Backend backend() {
            return Backend.IO_URING;
        }

        @Override
        protected String hiddenOps() {
            return "SEND_ZC";
        }
    }

    /** With JRING_REQUIRE_URING=1 (or the option) io_uring must still open: requiring it is not refusing it. */
    @Test
    void requiringUringOpensUring() throws Exception {
        try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withRequireUring(true))) {
            assertEquals(Backend.IO_URING, runtime.backend());
            assertTrue(runtime.fallbackReason().isEmpty(), () -> "fallback reason: " + runtime.fallbackReason());
        }
        IoRuntime forced = open(IoRuntimeOptions.defaults().withThreads(1).withRequireUring(true));
        assertEquals(Backend.IO_URING, forced.backend());
    }

    /**
     * The build runs this suite twice: as is (recv multishot, on this kernel) and with
     * -Djring.recv.multishot=false (one SQE per recv). Each run must really use its mode.
     */
    @Test
    void describesRingFlagsBuffersAndRecvMode() throws Exception {
        IoRuntime runtime = open(1);
        String line = runtime.describeLoops().getFirst();
        assertTrue(line.contains("io_uring") && line.contains("provided-buffers"), line);
        String expected = IoRuntimeOptions.defaults().multishotRecv() ? "recv=multishot" : "recv=single-shot";
        assertTrue(line.contains(expected), () -> "expected " + expected + " in: " + line);
    }

    /** Datagrams follow the same switch: multishot RECVMSG, or one RECVMSG per receive. */
    @Test
    void datagramReceivesUseTheRecvModeToo() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0));
        try (java.net.DatagramSocket peer = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.send(new java.net.DatagramPacket(new byte[] {1}, 1, endpoint.localAddress()));
            Await.get(endpoint.recv()).release();
        }
        String line = runtime.describeLoops().getFirst();
        String expected = IoRuntimeOptions.defaults().multishotRecv() ? "recvmsg=multishot" : "recvmsg=single-shot";
        assertTrue(line.contains(expected), () -> "expected " + expected + " in: " + line);
        Await.get(endpoint.close());
    }
}
