package io.jring.tls;

import io.jring.Connection;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * TLS over a jring {@link Connection}, with the JDK's {@link SSLEngine}.
 *
 * <pre>{@code
 * TlsOptions options = TlsOptions.fromPem(chain, key).withApplicationProtocols("http/1.1");
 * listener.onAccept(conn -> Tls.server(conn, options).thenAccept(tls -> serve(tls)));
 *
 * Connection plain = runtime.connect(address).get();
 * TlsConnection tls = Tls.client(plain, TlsOptions.client(), "example.org").get();
 * }</pre>
 *
 * The futures complete on the connection's loop thread once the handshake is done; they fail
 * with an {@link javax.net.ssl.SSLHandshakeException} naming the TLS alert or the reason and
 * what to do, and the connection is closed. The handshake has a deadline
 * ({@link TlsOptions#withHandshakeTimeout}, 10 s by default).
 */
public final class Tls {
    private Tls() {}

    /** The server side of a TLS handshake over {@code connection}, with the certificate in {@code options}. */
    public static CompletableFuture<TlsConnection> server(Connection connection, TlsOptions options) {
        return start(connection, options, false, null);
    }

    /** The server side, with everything taken from {@code context}. */
    public static CompletableFuture<TlsConnection> server(Connection connection, SSLContext context) {
        return server(connection, TlsOptions.of(context));
    }

    /**
     * The client side of a TLS handshake over {@code connection}. {@code host} is sent as SNI and,
     * unless {@link TlsOptions#withHostnameVerification} turned it off, must be named by the
     * server's certificate; null sends no SNI and checks no name (the chain is still verified).
     */
    public static CompletableFuture<TlsConnection> client(Connection connection, TlsOptions options, String host) {
        return start(connection, options, true, host);
    }

    /** The client side, with everything taken from {@code context}. */
    public static CompletableFuture<TlsConnection> client(Connection connection, SSLContext context, String host) {
        return client(connection, TlsOptions.of(context), host);
    }

    private static CompletableFuture<TlsConnection> start(Connection connection, TlsOptions options, boolean client,
                                                          String host) {
        TlsConnection tls;
        try {
            SSLContext context = options.sslContext();
            SSLEngine engine = host == null ? context.createSSLEngine()
                    : context.createSSLEngine(host, connection.remoteAddress() instanceof java.net.InetSocketAddress inet
                            ? inet.getPort() : -1); // -1: no port (a Unix domain connection)
            engine.setUseClientMode(client);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setProtocols(options.protocols().toArray(String[]::new));
            if (!options.applicationProtocols().isEmpty()) {
                parameters.setApplicationProtocols(options.applicationProtocols().toArray(String[]::new));
            }
            if (client && host != null && !isAddressLiteral(host)) {
                // set explicitly: the JDK leaves SNI out for names without a dot, such as localhost
                parameters.setServerNames(List.of(new SNIHostName(host)));
            }
            if (!client && options.clientAuthentication()) {
                parameters.setNeedClientAuth(true);
            }
            if (client && host != null && options.hostnameVerification()) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            engine.setSSLParameters(parameters);
            tls = new TlsConnection(connection, engine, options);
        } catch (IOException | RuntimeException e) {
            connection.close();
            return CompletableFuture.failedFuture(e);
        }
        return tls.start();
    }

    /** SNI carries host names only (RFC 6066), never an IPv4 or IPv6 address. */
    private static boolean isAddressLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }
}
