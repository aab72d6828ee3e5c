package io.jring.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Certificates from files: a PEM chain and PKCS#8 key made by openssl, a PKCS#12 store made by
 * keytool, and the clear errors for keys jring does not read.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsCertificatesTest {
    @TempDir
    Path dir;

    private Path cert;
    private Path key;

    private void opensslCertificate(String... keyArgs) throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "req", "-x509", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()));
        command.addAll(List.of(keyArgs));
        run(command);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pemRsaChainAndPkcs8KeyFromOpenssl(Backend backend) throws Exception {
        opensslCertificate("-newkey", "rsa:2048");
        TlsOptions server = TlsOptions.fromPem(cert, key);
        assertEquals("CN=localhost", server.certificateChain().getFirst().getSubjectX500Principal().getName());
        try (Loopback loop = new Loopback(backend)) {
            TlsHandshakeTest.roundTrip(loop.pair(server, TlsOptions.client().withTrustedCertificates(cert), "localhost"));
        }
    }

    @Test
    void pemEcKeyFromOpenssl() throws Exception {
        opensslCertificate("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        try (Loopback loop = new Loopback(Backend.EPOLL)) {
            TlsHandshakeTest.roundTrip(loop.pair(TlsOptions.fromPem(cert, key),
                    TlsOptions.client().withTrustedCertificates(cert), "localhost"));
        }
    }

    @Test
    void aPkcs1KeyIsRefusedWithTheCommandThatConvertsIt() throws Exception {
        opensslCertificate("-newkey", "rsa:2048");
        Path pkcs1 = dir.resolve("rsa.pem");
        run(List.of("openssl", "rsa", "-in", key.toString(), "-traditional", "-out", pkcs1.toString()));
        IOException e = assertThrows(IOException.class, () -> TlsOptions.fromPem(cert, pkcs1));
        assertTrue(e.getMessage().contains("RSA PRIVATE KEY") && e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"),
                e.getMessage());
        IOException noCert = assertThrows(IOException.class, () -> TlsOptions.fromPem(key, key));
        assertTrue(noCert.getMessage().contains("no '-----BEGIN CERTIFICATE-----' block"), noCert.getMessage());
        IOException mismatch = assertThrows(IOException.class, () -> {
            opensslCertificate("-newkey", "rsa:2048");
            Path otherKey = Files.copy(key, dir.resolve("first-key.pem"));
            opensslCertificate("-newkey", "rsa:2048");
            TlsOptions.fromPem(cert, otherKey);
        });
        assertTrue(mismatch.getMessage().contains("does not go with the certificate"), mismatch.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pkcs12FromKeytool(Backend backend) throws Exception {
        Path store = dir.resolve("server.p12");
        run(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "secret", "-keypass", "secret", "-noprompt"));
        TlsOptions server = TlsOptions.fromPkcs12(store, "secret".toCharArray());
        try (Loopback loop = new Loopback(backend)) {
            TlsHandshakeTest.roundTrip(loop.pair(server,
                    TlsOptions.client().withTrustedCertificates(server.certificateChain()), "localhost"));
        }
        IOException wrong = assertThrows(IOException.class, () -> TlsOptions.fromPkcs12(store, "nope".toCharArray()));
        assertTrue(wrong.getMessage().contains("not a PKCS#12 key store this password opens"), wrong.getMessage());
    }

    @Test
    void selfSignedNamesTheHostLocalhostAndLoopback() throws Exception {
        var leaf = Certs.server().certificateChain().getFirst();
        assertEquals("CN=localhost", leaf.getSubjectX500Principal().getName());
        String names = leaf.getSubjectAlternativeNames().toString();
        assertTrue(names.contains("localhost") && names.contains("127.0.0.1"), names);
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, p.exitValue(), command + ": " + out);
    }
}
