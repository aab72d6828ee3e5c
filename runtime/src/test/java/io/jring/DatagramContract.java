package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Datagram endpoints (UDP) over loopback, against plain {@link DatagramSocket} peers. Only what
 * is deterministic on loopback is asserted: every datagram sent while the receiver keeps up
 * arrives, whole and in order.
 */
public abstract class DatagramContract extends RuntimeTestBase {
    /** 0 and 1 byte, around the stream pool's 16 KiB block, and the largest IPv4 UDP payload. */
    static final int[] SIZES = {0, 1, 100, 1472, 16384, 16385, 40000, 65507};

    protected DatagramEndpoint bind(IoRuntime runtime, String host) throws Exception {
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress(host, 0));
        closeLater(() -> endpoint.close().get());
        return endpoint;
    }

    static byte[] pattern(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return bytes;
    }

    static DatagramSocket peer(String host) throws Exception {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(host, 0));
        socket.setSoTimeout(30_000);
        socket.setReceiveBufferSize(1 << 20);
        return socket;
    }

    static byte[] receiveFrom(DatagramSocket socket) throws Exception {
        DatagramPacket packet = new DatagramPacket(new byte[70_000], 70_000);
        socket.receive(packet);
        return java.util.Arrays.copyOf(packet.getData(), packet.getLength());
    }

    /** Takes the datagram's bytes and releases it. */
    static byte[] bytesOf(Datagram datagram) {
        byte[] bytes = datagram.payload().toByteArray();
        datagram.release();
        return bytes;
    }

    @Test
    void datagramsOfEverySizeFromSeveralPeersArriveByteExactWithTheirSender() throws Exception {
        IoRuntime runtime = open(2);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        List<DatagramSocket> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(closeLater(peer("127.0.0.1")));
        }
        for (int size : SIZES) {
            for (int p = 0; p < peers.size(); p++) {
                byte[] sent = pattern(size, p);
                DatagramSocket peer = peers.get(p);
                peer.send(new DatagramPacket(sent, size, endpoint.localAddress()));
                Datagram got = Await.get(endpoint.recv(Duration.ofSeconds(30)));
                assertEquals(peer.getLocalSocketAddress(), got.sender(), "sender of a " + size + "-byte datagram");
                assertFalse(got.truncated(), "a " + size + "-byte datagram fits a datagram buffer");
                assertArrayEquals(sent, bytesOf(got), size + " bytes from peer " + p);
            }
        }
    }

    @Test
    void aZeroByteDatagramIsAnEmptyDatagramNotAnEnd() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket peer = closeLater(peer("127.0.0.1"));
        peer.send(new DatagramPacket(new byte[0], 0, endpoint.localAddress()));
        peer.send(new DatagramPacket(new byte[] {7}, 1, endpoint.localAddress()));
        Datagram empty = Await.get(endpoint.recv());
        assertFalse(empty.payload().isEndOfStream());
        assertEquals(0, empty.payload().readableBytes());
        empty.release();
        assertArrayEquals(new byte[] {7}, bytesOf(Await.get(endpoint.recv())), "the endpoint reads on after it");
    }

    @Test
    void sendsReachTheTargetByteExactFromBuffersSegmentsAndArrays() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket peer = closeLater(peer("127.0.0.1"));
        InetSocketAddress target = (InetSocketAddress) peer.getLocalSocketAddress();
        for (int size : SIZES) {
            byte[] bytes = pattern(size, 3);
            Await.get(endpoint.send(target, bytes));
            assertArrayEquals(bytes, receiveFrom(peer), size + " bytes from byte[]");
        }
        IoBuffer buffer = endpoint.allocate().write("from a pooled buffer");
        Await.get(endpoint.send(target, buffer, Duration.ofSeconds(30)));
        assertEquals("from a pooled buffer", new String(receiveFrom(peer)));
        assertThrows(IllegalStateException.class, buffer::release, "the send took the buffer and released it");
    }

    @Test
    void anEchoAnswersEverySenderWithItsOwnBytes() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        echo(endpoint);
        for (int p = 0; p < 2; p++) {
            DatagramSocket peer = closeLater(peer("127.0.0.1"));
            for (int size : SIZES) {
                byte[] sent = pattern(size, p + 10);
                peer.send(new DatagramPacket(sent, size, endpoint.localAddress()));
                assertArrayEquals(sent, receiveFrom(peer), size + " bytes echoed to peer " + p);
            }
        }
    }

    /** Answers every datagram with its own payload (the send takes the buffer). */
    static void echo(DatagramEndpoint endpoint) {
        endpoint.recv().whenComplete((datagram, error) -> {
            if (error == null) {
                endpoint.send(datagram.sender(), datagram.payload()).whenComplete((ok, sendError) -> echo(endpoint));
            }
        });
    }

    @Test
    void connectFixesThePeerAndFiltersEveryoneElse() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket chosen = closeLater(peer("127.0.0.1"));
        DatagramSocket other = closeLater(peer("127.0.0.1"));
        assertNull(endpoint.remoteAddress());
        assertInstanceOf(IllegalStateException.class, Await.failure(endpoint.send("no peer yet".getBytes())));
        endpoint.connect((InetSocketAddress) chosen.getLocalSocketAddress());
        assertEquals(chosen.getLocalSocketAddress(), endpoint.remoteAddress());

        other.send(new DatagramPacket("other".getBytes(), 5, endpoint.localAddress()));
        chosen.send(new DatagramPacket("chosen".getBytes(), 6, endpoint.localAddress()));
        Datagram first = Await.get(endpoint.recv());
        assertEquals(chosen.getLocalSocketAddress(), first.sender());
        assertEquals("chosen", new String(bytesOf(first)), "the other peer's datagram, sent first, was filtered");

        Await.get(endpoint.send("to the peer".getBytes()));
        assertEquals("to the peer", new String(receiveFrom(chosen)));
    }

    @Test
    void closeFailsAPendingReceiveAndClosesTheSocket() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0));
        CompletableFuture<Datagram> pending = endpoint.recv();
        Await.get(endpoint.close());
        assertInstanceOf(ConnectionClosedException.class, Await.failure(pending));
        assertFalse(endpoint.isOpen());
        assertInstanceOf(ConnectionClosedException.class, Await.failure(endpoint.recv()));
        assertThrows(ConnectionClosedException.class, () -> endpoint.getOption(StandardSocketOptions.SO_RCVBUF));
        // The port is free again: the descriptor really was closed.
        try (DatagramSocket again = new DatagramSocket(endpoint.localAddress())) {
            assertEquals(endpoint.localAddress().getPort(), again.getLocalPort());
        }
    }

    @Test
    void aCancelledReceiveLosesNoDatagram() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket peer = closeLater(peer("127.0.0.1"));
        CompletableFuture<Datagram> cancelled = endpoint.recv();
        assertTrue(cancelled.cancel(true));
        peer.send(new DatagramPacket("kept".getBytes(), 4, endpoint.localAddress()));
        assertEquals("kept", new String(bytesOf(Await.get(endpoint.recv()))));
    }

    @Test
    void aReceiveWithADeadlineTimesOutAndTheNextStillReceives() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket peer = closeLater(peer("127.0.0.1"));
        assertInstanceOf(TimeoutException.class, Await.failure(endpoint.recv(Duration.ofMillis(50))));
        peer.send(new DatagramPacket("late".getBytes(), 4, endpoint.localAddress()));
        assertEquals("late", new String(bytesOf(Await.get(endpoint.recv(Duration.ofSeconds(30))))));
    }

    @Test
    void manyDatagramsArriveInOrderWithoutLossWhileTheReceiverKeepsUp() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket peer = closeLater(peer("127.0.0.1"));
        int total = 3000;
        int window = 32; // far below what the socket's receive buffer holds: nothing may drop
        List<Integer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<Void> done = new CompletableFuture<>();
        receiveCounting(endpoint, total, seen, received, done);
        byte[] payload = new byte[512];
        for (int i = 0; i < total; i++) {
            java.nio.ByteBuffer.wrap(payload).putInt(0, i);
            peer.send(new DatagramPacket(payload, payload.length, endpoint.localAddress()));
            int sent = i + 1;
            if (sent % window == 0) {
                Await.until(() -> received.get() >= sent, 30_000, () -> "receiver stuck at " + received.get() + " of " + sent);
            }
        }
        Await.get(done);
        for (int i = 0; i < total; i++) {
            assertEquals(i, seen.get(i), "datagram " + i);
        }
    }

    private static void receiveCounting(DatagramEndpoint endpoint, int total, List<Integer> seen, AtomicInteger received,
                                        CompletableFuture<Void> done) {
        endpoint.recv().whenComplete((datagram, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
                return;
            }
            seen.add(datagram.payload().readableSegment().get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
                    .withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0));
            datagram.release();
            if (received.incrementAndGet() == total) {
                done.complete(null);
            } else {
                receiveCounting(endpoint, total, seen, received, done);
            }
        });
    }

    @Test
    void ipv6DatagramsCarryTheirSenderBothWays() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "::1");
        DatagramSocket peer = closeLater(peer("::1"));
        echo(endpoint);
        for (int size : new int[] {0, 1200, 65507}) {
            byte[] sent = pattern(size, 6);
            peer.send(new DatagramPacket(sent, size, endpoint.localAddress()));
            assertArrayEquals(sent, receiveFrom(peer), size + " bytes over IPv6");
        }
        assertEquals(InetAddress.getByName("::1"), endpoint.localAddress().getAddress());
    }

    @Test
    void ipv6SenderAddressIsReported() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "::1");
        DatagramSocket peer = closeLater(peer("::1"));
        peer.send(new DatagramPacket("six".getBytes(), 3, endpoint.localAddress()));
        Datagram got = Await.get(endpoint.recv());
        assertEquals(peer.getLocalSocketAddress(), got.sender());
        assertEquals("six", new String(bytesOf(got)));
    }

    @Test
    void optionsAreSetBeforeBindAndThroughSetOption() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = runtime.bindDatagram(new InetSocketAddress("127.0.0.1", 0),
                DatagramOptions.DEFAULT.withBroadcast(true).withReceiveBufferSize(64 * 1024).withSendBufferSize(32 * 1024));
        closeLater(() -> endpoint.close().get());
        assertTrue(endpoint.getOption(StandardSocketOptions.SO_BROADCAST));
        assertEquals(128 * 1024, endpoint.getOption(StandardSocketOptions.SO_RCVBUF), "Linux doubles SO_RCVBUF");
        assertEquals(64 * 1024, endpoint.getOption(StandardSocketOptions.SO_SNDBUF));
        endpoint.setOption(StandardSocketOptions.SO_BROADCAST, false).setOption(StandardSocketOptions.IP_MULTICAST_TTL, 5)
                .setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false).setOption(StandardSocketOptions.IP_TOS, 0x10);
        assertFalse(endpoint.getOption(StandardSocketOptions.SO_BROADCAST));
        assertEquals(5, endpoint.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
        assertFalse(endpoint.getOption(StandardSocketOptions.IP_MULTICAST_LOOP));
        assertEquals(0x10, endpoint.getOption(StandardSocketOptions.IP_TOS));
        assertThrows(UnsupportedOperationException.class, () -> endpoint.getOption(StandardSocketOptions.TCP_NODELAY));
        assertThrows(IllegalArgumentException.class, () -> endpoint.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 300));
    }

    @Test
    void aDatagramTooBigForUdpFailsItsSendAlone() throws Exception {
        IoRuntime runtime = open(1);
        DatagramEndpoint endpoint = bind(runtime, "127.0.0.1");
        DatagramSocket peer = closeLater(peer("127.0.0.1"));
        InetSocketAddress target = (InetSocketAddress) peer.getLocalSocketAddress();
        NativeIoException tooBig = assertInstanceOf(NativeIoException.class,
                Await.failure(endpoint.send(target, new byte[65508])));
        assertEquals(90, tooBig.errno(), "EMSGSIZE: " + tooBig.getMessage());
        assertTrue(tooBig.getMessage().contains("sendmsg"), tooBig.getMessage());
        Await.get(endpoint.send(target, "still fine".getBytes()));
        assertEquals("still fine", new String(receiveFrom(peer)));
    }
}
