package io.jring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The datagram suite on io_uring with RECVMSG hidden ({@code -Djring.probe.hideOps=RECVMSG}), as
 * on a kernel whose ring cannot recvmsg: each receive polls (POLL_ADD) and then calls recvmsg on
 * the loop thread. The property is read when a runtime opens, so it is set around this class only.
 */
class UringRecvmsgHiddenTest extends DatagramContract {
    private static String before;

    @BeforeAll
    static void hideRecvmsg() {
        before = System.getProperty("jring.probe.hideOps");
        System.setProperty("jring.probe.hideOps", "RECVMSG");
    }

    @AfterAll
    static void restore() {
        if (before == null) {
            System.clearProperty("jring.probe.hideOps");
        } else {
            System.setProperty("jring.probe.hideOps", before);
        }
    }

    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }

    @Test
    void receivesReallyPollThenRecvmsg() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0));
        try (java.net.DatagramSocket peer = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.send(new java.net.DatagramPacket(new byte[] {1}, 1, endpoint.localAddress()));
            Await.get(endpoint.recv()).release();
        }
        String line = runtime.describeLoops().getFirst();
        assertTrue(line.contains("recvmsg=poll+recvmsg"), line);
        Await.get(endpoint.close());
    }
}
