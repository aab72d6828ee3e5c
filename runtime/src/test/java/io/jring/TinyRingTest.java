package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * End to end over real sockets on the smallest io_uring the options allow (an SQ of 2, a CQ of
 * 8): 300 clients connect and send at once, so accepts, recvs and sends are submitted from
 * inside completions with the SQ full and their CQEs overflow the CQ. Every byte comes back.
 */
class TinyRingTest extends RuntimeTestBase {
    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }

    @Test
    void aTwoEntryRingServesThreeHundredConnections() throws Exception {
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(1).withRingEntries(2));
        EchoService echo = EchoService.start(runtime, ListenOptions.DEFAULT.withBacklog(512));
        int baseline = idleBaseline(runtime);
        List<PeerSocket> peers = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            peers.add(closeLater(PeerSocket.connect(echo.address())));
            payloads.add(Payloads.random(i, 1000 + i));
        }
        for (int i = 0; i < peers.size(); i++) {
            peers.get(i).write(payloads.get(i)); // all in flight before any is read back
        }
        for (int i = 0; i < peers.size(); i++) {
            assertArrayEquals(payloads.get(i), peers.get(i).readExactly(payloads.get(i).length), "connection " + i);
        }
        assertTrue(echo.errors.isEmpty(), () -> "server errors, e.g. " + echo.errors.peek());
        for (PeerSocket peer : peers) {
            peer.close();
        }
        Await.until(() -> echo.open.get() == 0, 30_000, () -> echo.open.get() + " server connections still open");
        assertBuffersBackTo(runtime, baseline);
        System.out.println("tiny ring: " + runtime.describeLoops().getFirst());
    }
}
