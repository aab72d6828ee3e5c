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
