package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attacks on {@link DatagramEndpoint}: a flood from several sockets at an echo, close with
 * receives and sends pending, datagrams too large for UDP in every send form. Each must end
 * the operations it concerns exactly once, keep memory bounded, and leave the loop serving.
 */
@Timeout(120)
public abstract class DatagramAttackContract extends RuntimeTestBase {

    private DatagramEndpoint bind(IoRuntime runtime) throws Exception {
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0));
        closeLater(() -> endpoint.close().get());
        return endpoint;
    }

    /** The udp-echo idiom: receive, send the same payload back, then the next receive. */
    private static void echo(DatagramEndpoint endpoint, AtomicInteger echoed) {
        endpoint.recv().whenComplete((datagram, error) -> {
            if (error != null) {
                if (endpoint.isOpen()) {
                    echo(endpoint, echoed);
                }
                return;
            }
            endpoint.send(datagram.sender(), datagram.payload()).whenComplete((ok, sendError) -> {
                echoed.incrementAndGet();
                echo(endpoint, echoed);
            });
        });
    }

    /**
     * Four sockets flood an echo with datagrams of up to 64 KiB and never read the answers (so
     * the kernel drops at both ends): the pooled blocks the endpoint holds stay bounded (the
     * datagrams waiting unclaimed, at most 8 per endpoint, the one being echoed, and a single-shot
     * receive's own block once the datagram ring ran dry) the whole time, every block comes back
     * once the flood stops, and a fresh client is answered byte-exact.
     */
    @Test
    void aFloodFromSeveralSocketsKeepsBuffersBoundedAndTheEchoAnswering() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime);
        AtomicInteger echoed = new AtomicInteger();
        echo(endpoint, echoed);
        DatagramSocket probe = closeLater(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        probe.setSoTimeout(30_000);
        probe.send(new DatagramPacket(new byte[] {1}, 1, endpoint.localAddress()));
        receive(probe); // the endpoint's datagram pool exists now: what it holds idle is the baseline
        int baseline = idleBaseline(runtime);

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        List<Thread> flooders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            flooders.add(Thread.ofPlatform().start(() -> {
                Random random = new Random(seed);
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    socket.setReceiveBufferSize(4096); // answers overflow it and are dropped there
                    byte[] payload = new byte[65_507];
                    random.nextBytes(payload);
                    for (int i = 0; i < 20_000 && flooding.get(); i++) {
                        int size = i % 50 == 0 ? 65_507 : random.nextInt(1500);
                        socket.send(new DatagramPacket(payload, size, endpoint.localAddress()));
                        sent.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        int most = 0;
        while (flooders.stream().anyMatch(Thread::isAlive)) {
            most = Math.max(most, runtime.buffersInUse() - baseline);
            Thread.sleep(1);
        }
        flooding.set(false);
        for (Thread flooder : flooders) {
            flooder.join(30_000);
        }
        assertTrue(most <= 8 + 2, "the endpoint held " + most + " blocks during the flood (8 unclaimed + the echo's)");
        assertTrue(echoed.get() > 0, "the echo answered some of " + sent.get() + " datagrams");
        // Once the flood ran the datagram ring dry (ENOBUFS) the next receive is a single-shot
        // RECVMSG, which holds a block of its own while it waits: at most one more than idle.
        Await.until(() -> runtime.buffersInUse() <= baseline + 1, 10_000,
                () -> "buffersInUse stayed " + runtime.buffersInUse() + " after the flood, idle is " + baseline);

        byte[] hello = DatagramContract.pattern(40_000, 3);
        Await.until(() -> {
            try {
                probe.setSoTimeout(200);
                probe.send(new DatagramPacket(hello, hello.length, endpoint.localAddress()));
                byte[] answer = receive(probe);
                return java.util.Arrays.equals(hello, answer);
            } catch (java.io.IOException e) {
                return false; // the flood's backlog may still fill the socket: try again
            }
        }, 20_000, () -> "the echo stopped answering after the flood");
        // A last datagram, its answer awaited, ends any single-shot receive: then exactly the idle count.
        probe.setSoTimeout(30_000);
        byte[] last = {42};
        probe.send(new DatagramPacket(last, 1, endpoint.localAddress()));
        while (!java.util.Arrays.equals(last, receive(probe))) {
            // answers to earlier probes that came late
        }
        assertBuffersBackTo(runtime, baseline);
    }

    private static byte[] receive(DatagramSocket socket) throws java.io.IOException {
        DatagramPacket packet = new DatagramPacket(new byte[70_000], 70_000);
        socket.receive(packet);
        return java.util.Arrays.copyOf(packet.getData(), packet.getLength());
    }

    /**
     * A receive pending and a thousand sends queued (sends run one at a time in call order), then
     * close: every one of them completes exactly once, sent or failed with
     * ConnectionClosedException; every buffer a send took comes back; the loop serves a new endpoint.
     */
    @Test
    void closeWithAReceiveAndManySendsPendingEndsEachOnce() throws Exception {
        IoRuntime runtime = open(1);
        // The loop's datagram pool (and on io_uring its provided ring) outlives an endpoint: make it first.
        DatagramEndpoint first = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0));
        CompletableFuture<Datagram> firstReceive = first.recv();
        try (DatagramSocket poke = new DatagramSocket()) {
            poke.send(new DatagramPacket(new byte[] {1}, 1, first.localAddress()));
        }
        Await.get(firstReceive).release();
        Await.get(first.close());
        int baseline = idleBaseline(runtime);
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0),
                DatagramOptions.DEFAULT.withSendBufferSize(4096));
        DatagramSocket sink = closeLater(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        sink.setReceiveBufferSize(4096);
        InetSocketAddress target = (InetSocketAddress) sink.getLocalSocketAddress();
        CompletableFuture<Datagram> receive = endpoint.recv();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        byte[] bytes = new byte[8192];
        for (int i = 0; i < 1000; i++) {
            if (i % 3 == 0) {
                IoBuffer buffer = endpoint.allocate();
                buffer.write(bytes, 0, Math.min(bytes.length, buffer.writableBytes()));
                sends.add(endpoint.send(target, buffer));
            } else {
                sends.add(endpoint.send(target, bytes));
            }
        }
        CompletableFuture<Void> closed = endpoint.close();
        assertInstanceOf(ConnectionClosedException.class, Await.failure(receive));
        int ok = 0;
        int failed = 0;
        for (CompletableFuture<Void> send : sends) {
            try {
                send.get(30, TimeUnit.SECONDS);
                ok++;
            } catch (ExecutionException e) {
                assertInstanceOf(ConnectionClosedException.class, e.getCause());
                failed++;
            }
        }
        assertEquals(sends.size(), ok + failed);
        Await.get(closed);
        assertInstanceOf(ConnectionClosedException.class, Await.failure(endpoint.send(target, bytes)));
        assertBuffersBackTo(runtime, baseline);

        DatagramEndpoint next = bind(runtime);
        DatagramSocket peer = closeLater(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        peer.setSoTimeout(30_000);
        Await.get(next.send((InetSocketAddress) peer.getLocalSocketAddress(), "after".getBytes()));
        assertEquals("after", new String(receive(peer)));
    }

    /**
     * 65,508 bytes and more, from an array, a heap segment, a native segment and on a connected
     * endpoint: each send fails alone with EMSGSIZE naming sendmsg and the limit, and the next
     * datagram of the largest legal size goes through byte-exact.
     */
    @Test
    void datagramsTooLargeForUdpFailClearlyInEverySendForm() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime);
        DatagramSocket peer = closeLater(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        peer.setSoTimeout(30_000);
        peer.setReceiveBufferSize(1 << 20);
        InetSocketAddress target = (InetSocketAddress) peer.getLocalSocketAddress();
        try (Arena arena = Arena.ofConfined()) {
            List<CompletableFuture<Void>> tooLarge = List.of(
                    endpoint.send(target, new byte[65_508]),
                    endpoint.send(target, MemorySegment.ofArray(new byte[70_000])),
                    endpoint.send(target, arena.allocate(1 << 20)));
            for (CompletableFuture<Void> send : tooLarge) {
                assertTooLarge(Await.failure(send));
            }
            endpoint.connect(target);
            assertTooLarge(Await.failure(endpoint.send(new byte[100_000])));
        }
        byte[] largest = DatagramContract.pattern(65_507, 9);
        Await.get(endpoint.send(largest));
        assertArrayEquals(largest, receive(peer));
    }

    private static void assertTooLarge(Throwable failure) {
        NativeIoException error = assertInstanceOf(NativeIoException.class, failure);
        assertEquals("EMSGSIZE", error.errnoName(), error.getMessage());
        assertTrue(error.getMessage().startsWith("sendmsg") && error.getMessage().contains("at most 65,507 bytes"),
                error.getMessage());
    }
}
