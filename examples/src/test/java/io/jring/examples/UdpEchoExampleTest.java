package io.jring.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The udp-echo example as a user runs it: datagrams of 0 to 65,507 bytes from several sockets, on both backends. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UdpEchoExampleTest {
    private static final int[] SIZES = {0, 1, 512, 1472, 16384, 16385, 40000, 65507};

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void echoesEveryDatagramByteExactToItsSender(String backend) throws Exception {
        int port = freeUdpPort();
        try (ExampleProcess server = ExampleProcess.start("io.jring.examples.udp.UdpEcho", List.of(), Map.of(),
                "--port", Integer.toString(port), "--backend", backend)) {
            String ready = server.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("backend=" + backend), ready);
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
            List<DatagramSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                    client.setSoTimeout(30_000);
                    clients.add(client);
                }
                for (int size : SIZES) {
                    for (int c = 0; c < clients.size(); c++) {
                        byte[] sent = new byte[size];
                        for (int i = 0; i < size; i++) {
                            sent[i] = (byte) (i * 13 + c * 101 + size);
                        }
                        DatagramSocket client = clients.get(c);
                        client.send(new DatagramPacket(sent, size, target));
                        DatagramPacket reply = new DatagramPacket(new byte[70_000], 70_000);
                        client.receive(reply);
                        assertEquals(target, reply.getSocketAddress(), "the reply comes from the echo's port");
                        assertArrayEquals(sent, Arrays.copyOf(reply.getData(), reply.getLength()),
                                size + " bytes echoed to client " + c + " on " + backend);
                    }
                }
            } finally {
                clients.forEach(DatagramSocket::close);
            }
        }
    }

    /**
     * Four sockets flood the echo (20,000 datagrams each, up to 65,507 bytes, never reading the
     * answers, so the kernel drops at both ends) with the example's heap capped at 64 MiB: it
     * must not crash or run out of memory, its RSS must stay bounded (pooled buffers are capped
     * and recycled; a leak of one block per datagram would be gigabytes), and a fresh client is
     * answered byte-exact afterwards.
     */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void survivesAFloodFromSeveralSocketsWithBoundedMemory(String backend) throws Exception {
        int port = freeUdpPort();
        try (ExampleProcess server = ExampleProcess.start("io.jring.examples.udp.UdpEcho", List.of(),
                Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m"), "--port", Integer.toString(port), "--backend", backend)) {
            String ready = server.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("backend=" + backend), ready);
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
            assertTrue(echoes(target, 1000), "answers before the flood");
            long rssBefore = rssKib(server.pid());
            List<Thread> flooders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                flooders.add(Thread.ofPlatform().start(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    byte[] payload = new byte[65_507];
                    random.nextBytes(payload);
                    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                        socket.setReceiveBufferSize(4096);
                        for (int i = 0; i < 20_000; i++) {
                            int size = i % 100 == 0 ? 65_507 : random.nextInt(1473);
                            socket.send(new DatagramPacket(payload, size, target));
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (Thread flooder : flooders) {
                flooder.join(120_000);
            }
            assertTrue(server.isAlive(), () -> "the echo died under the flood:\n" + server.outputSoFar());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean answered = false;
            while (!answered && System.nanoTime() < deadline) {
                answered = echoes(target, 40_000); // the flood's backlog may still be draining
            }
            assertTrue(answered, () -> "no answer after the flood:\n" + server.outputSoFar());
            long grown = rssKib(server.pid()) - rssBefore;
            assertTrue(grown < 128 * 1024, "RSS grew by " + grown + " KiB under the flood");
            assertTrue(!server.outputSoFar().contains("OutOfMemoryError") && !server.outputSoFar().contains("Exception"),
                    server::outputSoFar);
        }
    }

    /** One datagram of {@code size} bytes to the echo and its answer, byte-exact, within a second. */
    private static boolean echoes(InetSocketAddress target, int size) throws Exception {
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(1000);
            byte[] sent = new byte[size];
            for (int i = 0; i < size; i++) {
                sent[i] = (byte) (i * 7 + size);
            }
            client.send(new DatagramPacket(sent, size, target));
            DatagramPacket reply = new DatagramPacket(new byte[70_000], 70_000);
            try {
                client.receive(reply);
            } catch (java.net.SocketTimeoutException dropped) {
                return false;
            }
            return Arrays.equals(sent, Arrays.copyOf(reply.getData(), reply.getLength()));
        }
    }

    private static long rssKib(long pid) throws Exception {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return probe.getLocalPort();
        }
    }
}
