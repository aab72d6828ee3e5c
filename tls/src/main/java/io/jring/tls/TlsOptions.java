package io.jring.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a {@link TlsConnection} is set up: the certificate it presents (servers), the
 * certificates it trusts (clients, and servers asking for client certificates), protocols, ALPN
 * names and the handshake deadline. Immutable: every {@code with...} returns a copy.
 *
 * <pre>{@code
 * TlsOptions server = TlsOptions.fromPem(Path.of("chain.pem"), Path.of("key.pem")).withApplicationProtocols("http/1.1");
 * TlsOptions local  = TlsOptions.selfSigned("localhost");              // keytool, for local use only
 * TlsOptions client = TlsOptions.client().withTrustedCertificates(local.certificateChain());
 * }</pre>
 */
public final class TlsOptions {
    /** The handshake deadline unless {@link #withHandshakeTimeout} says otherwise. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private static final ExecutorService DEFAULT_TASKS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("jring-tls-task-", 0).factory());

    private final SSLContext explicitContext;
    private final KeyManager[] keyManagers;
    private final TrustManager[] trustManagers;
    private final List<X509Certificate> chain;
    private final List<String> protocols;
    private final List<String> applicationProtocols;
    private final Duration handshakeTimeout;
    private final boolean verifyHostname;
    private final Executor taskExecutor;
    private final boolean needClientAuth;
    private SSLContext context; // built on first use from the key and trust managers

    private TlsOptions(SSLContext explicitContext, KeyManager[] keyManagers, TrustManager[] trustManagers,
                       List<X509Certificate> chain, List<String> protocols, List<String> applicationProtocols,
                       Duration handshakeTimeout, boolean verifyHostname, Executor taskExecutor,
                       boolean needClientAuth) {
        this.explicitContext = explicitContext;
        this.keyManagers = keyManagers;
        this.trustManagers = trustManagers;
        this.chain = chain;
        this.protocols = protocols;
        this.applicationProtocols = applicationProtocols;
        this.handshakeTimeout = handshakeTimeout;
        this.verifyHostname = verifyHostname;
        this.taskExecutor = taskExecutor;
        this.needClientAuth = needClientAuth;
    }

    /** A client that trusts the JDK's default CA certificates (cacerts) and checks the host name. */
    public static TlsOptions client() {
        return new TlsOptions(null, null, null, List.of(), List.of("TLSv1.3", "TLSv1.2"), List.of(),
                DEFAULT_HANDSHAKE_TIMEOUT, true, DEFAULT_TASKS, false);
    }

    /** Everything from {@code context} (its key and trust managers); protocols and ALPN still apply. */
    public static TlsOptions of(SSLContext context) {
        return client().copy(Objects.requireNonNull(context, "context"), null, null, List.of());
    }

    /**
     * A server certificate from PEM files: {@code chainFile} holds the certificate chain, leaf
     * first; {@code keyFile} the leaf's unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}).
     *
     * @throws IOException a file is missing or holds something else; the message says what to give
     */
    public static TlsOptions fromPem(Path chainFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = PemFiles.certificates(chainFile);
        PrivateKey key = PemFiles.privateKey(keyFile, chain.getFirst().getPublicKey().getAlgorithm());
        char[] password = SelfSigned.randomPassword();
        try {
            PemFiles.checkPair(key, chain.getFirst());
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("jring", key, password, chain.toArray(Certificate[]::new));
            return fromKeyStore(store, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("the key in " + keyFile + " does not go with the certificate in " + chainFile
                    + ": " + e.getMessage(), e);
        }
    }

    /** A server certificate from a PKCS#12 key store (its first key entry). */
    public static TlsOptions fromPkcs12(Path file, char[] password) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            return fromKeyStore(store, password);
        } catch (java.nio.file.NoSuchFileException e) {
            throw e;
        } catch (GeneralSecurityException | IOException e) {
            // a wrong password surfaces as an IOException from load(), with the reason as its cause
            throw new IOException(file + ": not a PKCS#12 key store this password opens (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A fresh self-signed certificate (EC P-256, 30 days) for {@code hostName}, also valid for
     * localhost and 127.0.0.1: for local use and tests only, since no client trusts it unless
     * told to ({@link #certificateChain()}, or {@code curl -k}). Made by the JDK's keytool in a
     * subprocess; takes about a second.
     */
    public static TlsOptions selfSigned(String hostName) throws IOException {
        char[] password = SelfSigned.randomPassword();
        try {
            return fromKeyStore(SelfSigned.create(hostName, password), password);
        } catch (GeneralSecurityException e) {
            throw new IOException("the self-signed key store is unusable: " + e.getMessage(), e);
        }
    }

    private static TlsOptions fromKeyStore(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        List<X509Certificate> chain = new ArrayList<>();
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                for (Certificate c : store.getCertificateChain(alias)) {
                    chain.add((X509Certificate) c);
                }
                break;
            }
        }
        if (chain.isEmpty()) {
            throw new java.security.KeyStoreException("the key store holds no private key entry");
        }
        return client().copy(null, factory.getKeyManagers(), null, List.copyOf(chain));
    }

    /** Trusts exactly these certificates (CA or self-signed) instead of the JDK's cacerts. */
    public TlsOptions withTrustedCertificates(List<X509Certificate> trusted) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("trusted-" + i, trusted.get(i));
            }
            return withTrustStore(store);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a trust store from these certificates: " + e.getMessage(), e);
        }
    }

    /** Trusts the certificates of a PEM file instead of the JDK's cacerts. */
    public TlsOptions withTrustedCertificates(Path pemFile) throws IOException {
        return withTrustedCertificates(PemFiles.certificates(pemFile));
    }

    /** Trusts the certificate entries of {@code store} instead of the JDK's cacerts. */
    public TlsOptions withTrustStore(KeyStore store) throws IOException {
        requireNoExplicitContext("a trust store");
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return copy(null, keyManagers, factory.getTrustManagers(), chain);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use this trust store: " + e.getMessage(), e);
        }
    }

    /** The protocols offered, most preferred first; default TLSv1.3 and TLSv1.2. */
    public TlsOptions withProtocols(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("withProtocols needs at least one protocol, e.g. TLSv1.3");
        }
        return new TlsOptions(explicitContext, keyManagers, trustManagers, chain, List.of(names), applicationProtocols,
                handshakeTimeout, verifyHostname, taskExecutor, needClientAuth);
    }

    /** ALPN names, most preferred first (e.g. {@code http/1.1}); none by default. */
    public TlsOptions withApplicationProtocols(String... names) {
        return new TlsOptions(explicitContext, keyManagers, trustManagers, chain, protocols, List.of(names),
                handshakeTimeout, verifyHostname, taskExecutor, needClientAuth);
    }

    /** How long the handshake may take before the connection is closed; default 10 s. */
    public TlsOptions withHandshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive, got " + timeout);
        }
        return new TlsOptions(explicitContext, keyManagers, trustManagers, chain, protocols, applicationProtocols,
                timeout, verifyHostname, taskExecutor, needClientAuth);
    }

    /**
     * Whether a client checks that the server's certificate names the host it was given
     * (HTTPS rules); on by default. The chain is verified either way.
     */
    public TlsOptions withHostnameVerification(boolean verify) {
        return new TlsOptions(explicitContext, keyManagers, trustManagers, chain, protocols, applicationProtocols,
                handshakeTimeout, verify, taskExecutor, needClientAuth);
    }

    /**
     * Where the SSLEngine's delegated tasks (certificate checks, key exchange) run: never on the
     * loop thread. By default a shared pool of daemon threads.
     */
    public TlsOptions withTaskExecutor(Executor executor) {
        return new TlsOptions(explicitContext, keyManagers, trustManagers, chain, protocols, applicationProtocols,
                handshakeTimeout, verifyHostname, Objects.requireNonNull(executor, "executor"), needClientAuth);
    }

    /**
     * Whether a server requires a client certificate (mutual TLS), verified against this side's
     * trust ({@link #withTrustedCertificates}); a client presents the certificate its options
     * hold ({@link #fromPem}, {@link #fromPkcs12}, {@link #selfSigned}). Off by default.
     */
    public TlsOptions withClientAuthentication(boolean required) {
        return new TlsOptions(explicitContext, keyManagers, trustManagers, chain, protocols, applicationProtocols,
                handshakeTimeout, verifyHostname, taskExecutor, required);
    }

    public boolean clientAuthentication() {
        return needClientAuth;
    }

    /** The certificate chain this side presents (leaf first), empty for a client or {@link #of}. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    public List<String> protocols() {
        return protocols;
    }

    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    public boolean hostnameVerification() {
        return verifyHostname;
    }

    Executor taskExecutor() {
        return taskExecutor;
    }

    /** The SSLContext these options describe. */
    public synchronized SSLContext sslContext() throws IOException {
        if (explicitContext != null) {
            return explicitContext;
        }
        if (context == null) {
            try {
                SSLContext c = SSLContext.getInstance("TLS");
                c.init(keyManagers, trustManagers, null);
                context = c;
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot set up TLS: " + e.getMessage(), e);
            }
        }
        return context;
    }

    private TlsOptions copy(SSLContext explicit, KeyManager[] keys, TrustManager[] trust, List<X509Certificate> c) {
        return new TlsOptions(explicit, keys, trust, c, protocols, applicationProtocols, handshakeTimeout,
                verifyHostname, taskExecutor, needClientAuth);
    }

    private void requireNoExplicitContext(String what) {
        if (explicitContext != null) {
            throw new IllegalStateException("these options use a given SSLContext; set " + what + " in that context");
        }
    }

    @Override
    public String toString() {
        return "TlsOptions[protocols=" + protocols + ", alpn=" + applicationProtocols + ", handshakeTimeout="
                + handshakeTimeout + ", certificate=" + (chain.isEmpty() ? "none"
                : chain.getFirst().getSubjectX500Principal()) + ", trust="
                + (trustManagers == null ? "default" : Arrays.toString(trustManagers)) + "]";
    }
}
