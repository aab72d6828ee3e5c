package io.jring.bench.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.jring.Backend;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bench's jring server answers what the load generator expects, on both backends and on both
 * the future path and the push path: echoes come back byte-exact, pipelined requests each get
 * exactly one response. (The generator checks a sample of answers under load; this checks them
 * all at a small scale, so a broken server fails here and not as a fast wrong figure.)
 */
class JringServerTest {
    @ParameterizedTest(name = "{0} push={1}")
    @CsvSource({"IO_URING,false", "IO_URING,true", "EPOLL,false", "EPOLL,true"})
    void echoesAndAnswersPipelinedRequests(Backend backend, boolean push) throws Exception {
        int echoPort = freePort();
        int httpPort = freePort();
        try (AutoCloseable server = push
                ? JringServer.startPush(backend, "127.0.0.1", echoPort, httpPort)
                : JringServer.start(backend, true, "127.0.0.1", echoPort, httpPort)) {
            try (Socket echo = connect(echoPort)) {
                Random random = new Random(16);
                OutputStream out = echo.getOutputStream();
                DataInputStream in = new DataInputStream(echo.getInputStream());
                for (int size : new int[] {1, 64, 4096, 100_000}) {
                    byte[] sent = new byte[size];
                    random.nextBytes(sent);
                    out.write(sent);
                    byte[] got = new byte[size];
                    in.readFully(got);
                    assertArrayEquals(sent, got, size + " bytes");
                }
            }
            try (Socket http = connect(httpPort)) {
                byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                OutputStream out = http.getOutputStream();
                DataInputStream in = new DataInputStream(http.getInputStream());
                for (int depth : new int[] {1, 16, 300}) {
                    out.write(repeat(request, depth));
                    byte[] got = new byte[Http.RESPONSE.length * depth];
                    in.readFully(got);
                    assertArrayEquals(repeat(Http.RESPONSE, depth), got, depth + " pipelined");
                }
            }
        }
    }

    private static Socket connect(int port) throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static byte[] repeat(byte[] bytes, int times) {
        byte[] all = new byte[bytes.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(bytes, 0, all, i * bytes.length, bytes.length);
        }
        return all;
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }
}
