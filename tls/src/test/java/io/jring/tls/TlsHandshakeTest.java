package io.jring.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.Connection;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Handshakes between jring's TLS client and server, and the ways they must fail, on both backends. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsHandshakeTest {

    @ParameterizedTest
    @EnumSource(Backend.class)
    void tls13WithAlpnAndSni(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(),
                    Certs.trustingServer().withApplicationProtocols("h2", "http/1.1"), "localhost");
            assertEquals("TLSv1.3", p.client().session().getProtocol());
            assertEquals("TLSv1.3", p.server().session().getProtocol());
            assertEquals(Optional.of("http/1.1"), p.client().applicationProtocol());
            assertEquals(Optional.of("http/1.1"), p.server().applicationProtocol());
            assertEquals(Optional.of("localhost"), p.server().requestedServerName());
            roundTrip(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void tls12(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer().withProtocols("TLSv1.2"), "localhost");
            assertEquals("TLSv1.2", p.client().session().getProtocol());
            assertEquals("TLSv1.2", p.server().session().getProtocol());
            roundTrip(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void noAlpnWhenTheClientOffersNone(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer(), "localhost");
            assertEquals(Optional.empty(), p.client().applicationProtocol());
            roundTrip(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anUntrustedChainFailsNamingTheReason(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Connection[] plain = loop.plainPair();
            CompletableFuture<TlsConnection> server = Tls.server(plain[0], Certs.server());
            // trusts a different self-signed certificate, not the server's
            TlsOptions wrongTrust = TlsOptions.client().withTrustedCertificates(Certs.other().certificateChain());
            ExecutionException client = assertThrows(ExecutionException.class,
                    () -> Tls.client(plain[1], wrongTrust, "localhost").get(20, TimeUnit.SECONDS));
            assertInstanceOf(SSLHandshakeException.class, client.getCause());
            String message = client.getCause().getMessage();
            assertTrue(message.contains("not signed by anything this side trusts"), message);
            assertTrue(message.contains("withTrustedCertificates"), message);
            // and the server hears the client's alert, by name
            ExecutionException onServer = assertThrows(ExecutionException.class, () -> server.get(20, TimeUnit.SECONDS));
            String serverMessage = onServer.getCause().getMessage();
            assertTrue(serverMessage.contains("certificate_unknown") || serverMessage.contains("alert"), serverMessage);
            assertTrue(!plain[1].isOpen(), "a failed handshake closes the connection");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theJdkDefaultTrustStoreRefusesASelfSignedCertificate(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Connection[] plain = loop.plainPair();
            Tls.server(plain[0], Certs.server());
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> Tls.client(plain[1], TlsOptions.client(), "localhost").get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("PKIX path"), e.getCause().getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aHostNameTheCertificateDoesNotHoldFails(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Connection[] plain = loop.plainPair();
            Tls.server(plain[0], Certs.server());
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> Tls.client(plain[1], Certs.trustingServer(), "example.org").get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("does not name the host"), e.getCause().getMessage());
            // with host name checks off (local tests only) the same chain is accepted
            Loopback.Pair p = loop.pair(Certs.server(), Certs.trustingServer().withHostnameVerification(false),
                    "example.org");
            roundTrip(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void noCommonProtocolVersionIsNamed(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            Connection[] plain = loop.plainPair();
            CompletableFuture<TlsConnection> server = Tls.server(plain[0], Certs.server().withProtocols("TLSv1.3"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> Tls.client(plain[1],
                    Certs.trustingServer().withProtocols("TLSv1.2"), "localhost").get(20, TimeUnit.SECONDS));
            String message = e.getCause().getMessage();
            assertTrue(message.contains("protocol_version") || message.contains("share no TLS version"), message);
            ExecutionException s = assertThrows(ExecutionException.class, () -> server.get(20, TimeUnit.SECONDS));
            assertTrue(s.getCause().getMessage().contains("share no TLS version"), s.getCause().getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void mutualTlsVerifiesTheClientCertificate(Backend backend) throws Exception {
        TlsOptions clientWithCertificate = Certs.other().withTrustedCertificates(Certs.server().certificateChain());
        TlsOptions server = Certs.server().withTrustedCertificates(Certs.other().certificateChain())
                .withClientAuthentication(true);
        try (Loopback loop = new Loopback(backend)) {
            Loopback.Pair p = loop.pair(server, clientWithCertificate, "localhost");
            assertEquals(Certs.other().certificateChain().getFirst(), p.server().session().getPeerCertificates()[0]);
            roundTrip(p);

            // a client without a certificate is refused by the server, which names why
            Connection[] plain = loop.plainPair();
            CompletableFuture<TlsConnection> refusing = Tls.server(plain[0], server);
            CompletableFuture<TlsConnection> anonymous = Tls.client(plain[1], Certs.trustingServer(), "localhost");
            ExecutionException e = assertThrows(ExecutionException.class, () -> refusing.get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("certificate"), e.getCause().getMessage());
            // under TLS 1.3 the client may finish first and hear the alert on its first receive
            try {
                TlsConnection c = anonymous.get(20, TimeUnit.SECONDS);
                assertThrows(ExecutionException.class, () -> c.recv(Loopback.WAIT).get(20, TimeUnit.SECONDS));
                c.close();
            } catch (ExecutionException expected) {
                // or it failed in the handshake
            }
        }
    }

    static void roundTrip(Loopback.Pair p) throws Exception {
        p.client().send("ping".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        var got = p.server().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS);
        assertEquals("ping", got.toString(StandardCharsets.UTF_8));
        got.release();
        p.server().send("pong".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        var back = p.client().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS);
        assertEquals("pong", back.toString(StandardCharsets.UTF_8));
        back.release();
        p.client().close().get(20, TimeUnit.SECONDS);
        assertTrue(p.server().recv(Loopback.WAIT).get(20, TimeUnit.SECONDS).isEndOfStream(),
                "close() sends close_notify: the peer sees end of stream");
        p.server().close().get(20, TimeUnit.SECONDS);
    }
}
