package io.jring;

import io.jring.tls.Tls;
import io.jring.tls.TlsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * TLS on both ends of a contract test: the accepted connection becomes {@code Tls.server(...)}'s
 * (with a self-signed certificate made once per run), and the peer an {@link SSLSocket} over its
 * TCP socket that trusts exactly that certificate.
 */
final class TlsWire implements Wire {
    private static TlsOptions server;

    private final String protocol;

    /** {@code protocol}: what the peer offers, e.g. {@code TLSv1.3} (the server takes 1.3 and 1.2). */
    TlsWire(String protocol) {
        this.protocol = protocol;
    }

    static synchronized TlsOptions serverOptions() {
        if (server == null) {
            try {
                server = TlsOptions.selfSigned("localhost");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    @Override
    public CompletableFuture<Connection> server(Connection accepted) {
        return Tls.server(accepted, serverOptions()).thenApply(tls -> tls);
    }

    @Override
    public Socket peer(Socket connected) throws IOException {
        TlsOptions trusting = TlsOptions.client().withTrustedCertificates(serverOptions().certificateChain());
        SSLSocket tls = (SSLSocket) trusting.sslContext().getSocketFactory()
                .createSocket(connected, "localhost", connected.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setServerNames(List.of(new SNIHostName("localhost")));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        // The handshake runs beside the test: the test may ask for the accepted connection (whose
        // future completes only once the handshake is done) before this socket's first read or write.
        // Reads and writes on the test's thread wait for it.
        Thread.ofVirtual().name("tls-peer-handshake").start(() -> {
            try {
                tls.startHandshake();
            } catch (IOException e) {
                // the test's next read or write on this socket fails with the same cause
            }
        });
        return tls;
    }

    @Override
    public String toString() {
        return "TLS (" + protocol + ")";
    }
}
