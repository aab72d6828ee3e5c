package io.jring.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Peers that misbehave: one that stalls mid-handshake, one that sends plaintext or garbage. Each
 * fails its own connection only; the loop (one thread here) keeps serving a good client.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsFaultsTest {

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aClientThatStallsMidHandshakeIsCutAtTheDeadline(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend); Socket stalled = new Socket()) {
            CompletableFuture<Connection> accepted = loop.listener.accept();
            stalled.connect(loop.listener.localAddress());
            // the first bytes of a ClientHello record, then nothing more
            stalled.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
            CompletableFuture<TlsConnection> server = Tls.server(accepted.get(20, TimeUnit.SECONDS),
                    Certs.server().withHandshakeTimeout(Duration.ofMillis(300)));
            ExecutionException e = assertThrows(ExecutionException.class, () -> server.get(20, TimeUnit.SECONDS));
            assertInstanceOf(SSLHandshakeException.class, e.getCause());
            assertInstanceOf(TimeoutException.class, e.getCause().getCause());
            assertTrue(e.getCause().getMessage().contains("no handshake within PT0.3S"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("withHandshakeTimeout"), e.getCause().getMessage());
            stalled.setSoTimeout(20_000);
            assertTrue(drain(stalled.getInputStream()) >= 0, "the server closed the stalled connection");
            // the loop still serves
            TlsHandshakeTest.roundTrip(loop.pair(Certs.server(), Certs.trustingServer(), "localhost"));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void plaintextSentToTheTlsPortIsAnsweredWithAnAlertAndAClose(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend); Socket plain = new Socket()) {
            CompletableFuture<Connection> accepted = loop.listener.accept();
            plain.connect(loop.listener.localAddress());
            plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<TlsConnection> server = Tls.server(accepted.get(20, TimeUnit.SECONDS), Certs.server());
            ExecutionException e = assertThrows(ExecutionException.class, () -> server.get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("did not send valid TLS records"), e.getCause().getMessage());
            plain.setSoTimeout(20_000);
            InputStream in = plain.getInputStream();
            int first = in.read();
            assertTrue(first == 0x15 || first == -1, "an alert record (21) or a plain close, got " + first);
            drain(in);
            TlsHandshakeTest.roundTrip(loop.pair(Certs.server(), Certs.trustingServer(), "localhost"));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void garbageAfterTheHandshakeFailsThatConnectionOnly(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair bad = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            Loopback.Pair good = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            CompletableFuture<IoBuffer> pending = bad.server().recv();
            // an application-data record header with a length, then bytes no key produced
            byte[] junk = new byte[64];
            junk[0] = 0x17;
            junk[1] = 0x03;
            junk[2] = 0x03;
            junk[4] = 59;
            bad.client().transport().send(junk).get(20, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(20, TimeUnit.SECONDS));
            assertInstanceOf(SSLException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("bad_record_mac")
                    || e.getCause().getMessage().contains("valid TLS records"), e.getCause().getMessage());
            // the bad client sees the server's alert and then the connection end
            ExecutionException onClient = assertThrows(ExecutionException.class,
                    () -> bad.client().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS));
            assertTrue(onClient.getCause().getMessage().contains("alert")
                    || onClient.getCause().getMessage().contains("truncated"), onClient.getCause().getMessage());
            bad.client().close();
            TlsHandshakeTest.roundTrip(good);
        }
    }

    /**
     * 500 clients each send a real ClientHello and then nothing: the server does its share of
     * each handshake (key agreement off the loop), and every one is cut at the deadline, while
     * the same loop completes a good client's handshake and round trip.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void fiveHundredHandshakesThatStopAreAllCutAndTheLoopKeepsServing(Backend backend) throws Exception {
        byte[] clientHello = clientHello();
        java.util.List<Socket> stalled = new java.util.ArrayList<>();
        try (Loopback loop = new Loopback(backend)) {
            java.util.List<CompletableFuture<TlsConnection>> handshakes = new java.util.ArrayList<>();
            TlsOptions shortDeadline = Certs.server().withHandshakeTimeout(Duration.ofSeconds(3));
            try {
                for (int i = 0; i < 500; i++) {
                    CompletableFuture<Connection> accepted = loop.listener.accept();
                    Socket s = new Socket();
                    stalled.add(s);
                    s.connect(loop.listener.localAddress(), 20_000);
                    s.getOutputStream().write(clientHello);
                    handshakes.add(accepted.thenCompose(c -> Tls.server(c, shortDeadline)));
                }
                // Meanwhile a good client gets through on the same loop.
                TlsHandshakeTest.roundTrip(loop.pair(Certs.server(), Certs.trustingServer(), "localhost"));
                for (CompletableFuture<TlsConnection> h : handshakes) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> h.get(60, TimeUnit.SECONDS));
                    assertInstanceOf(SSLHandshakeException.class, e.getCause());
                    assertTrue(e.getCause().getMessage().contains("no handshake within"), e.getCause().getMessage());
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
            TlsHandshakeTest.roundTrip(loop.pair(Certs.server(), Certs.trustingServer(), "localhost"));
        }
    }

    /** The first flight of a real TLS 1.3 client, from the JDK's engine: what a client that then stops sent. */
    private static byte[] clientHello() throws Exception {
        javax.net.ssl.SSLEngine engine = Certs.trustingServer().sslContext().createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(java.nio.ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        assertEquals(0x16, bytes[0], "a handshake record");
        return bytes;
    }

    /**
     * A peer that sends close_notify and then more bytes on the same TCP connection (a record,
     * then plain words): the receiver reports end of stream, again and again, ignores what
     * follows, and under TLS 1.3 can still send; the loop is unharmed.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void bytesAfterCloseNotifyAreIgnoredAfterEndOfStream(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend); Socket socket = new Socket()) {
            CompletableFuture<Connection> accepted = loop.listener.accept();
            socket.connect(loop.listener.localAddress(), 20_000);
            socket.setSoTimeout(20_000);
            CompletableFuture<TlsConnection> handshake = accepted.thenCompose(c -> Tls.server(c, Certs.server()));
            EngineClient client = EngineClient.handshake(socket, Certs.trustingServer().sslContext());
            TlsConnection server = handshake.get(20, TimeUnit.SECONDS);
            CompletableFuture<IoBuffer> first = server.recv(Loopback.WAIT);
            client.sendCloseNotify();
            assertTrue(first.get(20, TimeUnit.SECONDS).isEndOfStream(), "close_notify is end of stream");
            byte[] record = new byte[200];
            record[0] = 0x17;
            record[1] = 0x03;
            record[2] = 0x03;
            record[4] = (byte) 195;
            socket.getOutputStream().write(record);
            socket.getOutputStream().write("plain words after close_notify".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 3; i++) {
                assertTrue(server.recv(Loopback.WAIT).get(20, TimeUnit.SECONDS).isEndOfStream(),
                        "end of stream stays end of stream whatever follows");
            }
            // TLS 1.3: the server's direction is still open, and the client reads it.
            server.send("still sending".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertEquals("still sending", client.readString(13));
            server.close().get(20, TimeUnit.SECONDS);
            TlsHandshakeTest.roundTrip(loop.pair(Certs.server(), Certs.trustingServer(), "localhost"));
        }
    }

    private static int drain(InputStream in) throws Exception {
        int total = 0;
        try {
            while (in.read() >= 0) {
                total++;
            }
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
        return total;
    }
}
