package io.jring.examples;

import io.jring.Connection;
import io.jring.tls.Tls;
import io.jring.tls.TlsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The TLS flags of the http and proxy examples: {@code --tls} (a self-signed certificate made at startup, for
 * local use: {@code curl -k}) or {@code --tls-cert FILE --tls-key FILE} (a PEM chain and its
 * PKCS#8 key). Accepted connections are wrapped before the example's code sees them, which is
 * written against {@link Connection} and so runs unchanged over TLS.
 *
 * @param options  null when serving plain HTTP
 * @param rest     the other command-line arguments, for {@link io.jring.examples.Args}
 * @param describe what the startup line says about TLS
 */
public record TlsFlags(TlsOptions options, String[] rest, String describe) {
    static final System.Logger LOG = System.getLogger(TlsFlags.class.getName());

    /**
     * Takes the TLS flags out of {@code argv} (--tls has no value, which {@link Args} does not
     * allow); {@code alpn} names the protocols offered, e.g. {@code http/1.1}, or none.
     */
    public static TlsFlags fromArgs(String[] argv, String... alpn) throws IOException {
        String host = "127.0.0.1"; // the self-signed certificate names the --host served
        List<String> rest = new ArrayList<>();
        boolean selfSigned = false;
        String cert = null;
        String key = null;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--tls" -> selfSigned = true;
                case "--tls-cert" -> cert = value(argv, i++);
                case "--tls-key" -> key = value(argv, i++);
                default -> {
                    if (argv[i].equals("--host") && i + 1 < argv.length) {
                        host = argv[i + 1];
                    }
                    rest.add(argv[i]);
                }
            }
        }
        String[] others = rest.toArray(String[]::new);
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together (a PEM chain and its PKCS#8 key)");
        }
        if (cert != null) {
            TlsOptions options = TlsOptions.fromPem(Path.of(cert), Path.of(key));
            return new TlsFlags(options.withApplicationProtocols(alpn), others,
                    " tls=" + options.certificateChain().getFirst().getSubjectX500Principal());
        }
        if (selfSigned) {
            return new TlsFlags(TlsOptions.selfSigned(host).withApplicationProtocols(alpn), others,
                    " tls=self-signed(" + host + ")");
        }
        return new TlsFlags(null, others, "");
    }

    private static String value(String[] argv, int i) {
        if (i + 1 >= argv.length) {
            throw new IllegalArgumentException(argv[i] + " needs a value");
        }
        return argv[i + 1];
    }

    /** Hands {@code connection} to {@code serve}, after a TLS handshake when TLS is on. */
    public void accept(Connection connection, Consumer<Connection> serve) {
        if (options == null) {
            serve.accept(connection);
            return;
        }
        // A failed handshake (plaintext on this port, an untrusting client, a stall past the
        // deadline) has closed that connection, after an alert when there was one to send.
        Tls.server(connection, options).whenComplete((tls, error) -> {
            if (error == null) {
                serve.accept(tls);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "TLS handshake failed: {0}", error.getMessage());
            }
        });
    }
}
