package io.jring.tls;

import java.io.IOException;
import java.io.UncheckedIOException;

/** One self-signed server certificate for the whole test run (keytool takes about a second). */
final class Certs {
    private static TlsOptions server;
    private static TlsOptions other;

    private Certs() {}

    /** A server with a self-signed certificate for localhost, offering ALPN http/1.1. */
    static synchronized TlsOptions server() {
        if (server == null) {
            server = make("localhost").withApplicationProtocols("http/1.1");
        }
        return server;
    }

    /** A second, unrelated self-signed certificate: trusting it must not make the first trusted. */
    static synchronized TlsOptions other() {
        if (other == null) {
            other = make("localhost");
        }
        return other;
    }

    /** A client that trusts exactly {@link #server()}'s certificate. */
    static TlsOptions trustingServer() {
        try {
            return TlsOptions.client().withTrustedCertificates(server().certificateChain());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TlsOptions make(String host) {
        try {
            return TlsOptions.selfSigned(host);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
