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

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return probe.getLocalPort();
        }
    }
}
