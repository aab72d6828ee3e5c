package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An upstream that refuses or never answers costs the client its connection, says why, and nothing else. */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyUnreachableUpstreamTest {
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void refusedUpstreamClosesEachClientAndSaysEconnrefused(String backend) throws Exception {
        int nothingListens;
        try (ServerSocket gone = Loopback.listen(1, 0)) {
            nothingListens = gone.getLocalPort();
        }
        try (RunningExample proxy = RunningExample.proxy(backend, nothingListens)) {
            for (int i = 0; i < 2; i++) { // the second client shows the proxy still serves
                try (Socket client = Loopback.connect(proxy.port())) {
                    assertEquals(-1, client.getInputStream().read(), "the proxy closes the client");
                }
                String line = proxy.process().awaitLine("cannot reach the upstream", Duration.ofSeconds(10));
                assertTrue(line.contains("ECONNREFUSED"), line);
            }
            proxy.awaitIdle("after both clients were turned away");
            assertTrue(proxy.process().isAlive());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void silentUpstreamTimesOutAfterConnectTimeout(String backend) throws Exception {
        // A listener that never accepts, its backlog full: Linux drops further SYNs, so a connect
        // neither succeeds nor fails, the way a host behind a firewall that drops packets behaves.
        List<Socket> backlog = new ArrayList<>();
        try (ServerSocket silent = Loopback.listen(1, 0)) {
            while (backlog.size() < 10) {
                Socket socket = new Socket();
                backlog.add(socket);
                try {
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), 300);
                } catch (SocketTimeoutException expected) {
                    break; // the queue is full
                }
            }
            try (RunningExample proxy = RunningExample.proxy(backend, silent.getLocalPort(), "--connect-timeout-ms", "500");
                 Socket client = Loopback.connect(proxy.port())) {
                assertEquals(-1, client.getInputStream().read(), "the proxy closes the client");
                String line = proxy.process().awaitLine("cannot reach the upstream", Duration.ofSeconds(10));
                assertTrue(line.contains("timed out after 500 ms"), line);
            }
        } finally {
            for (Socket socket : backlog) {
                closeQuietly(socket);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a half-made connection; nothing to keep
        }
    }
}
