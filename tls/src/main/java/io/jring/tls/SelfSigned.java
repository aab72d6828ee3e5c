package io.jring.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for local use, made by the JDK's {@code keytool} run as a
 * subprocess. The JDK has no public API that signs a certificate, and a library that depends on
 * Bouncy Castle for one local convenience would push that dependency on every user; keytool
 * ships with every JDK, so this costs nothing to those who bring real certificates.
 */
final class SelfSigned {
    private SelfSigned() {}

    /** A PKCS#12 key store holding an EC P-256 key and its certificate for {@code hostName}. */
    static KeyStore create(String hostName, char[] password) throws IOException {
        Path dir = Files.createTempDirectory("jring-tls-selfsigned");
        Path store = dir.resolve("selfsigned.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = List.of(keytool.toString(), "-genkeypair", "-alias", "jring", "-keyalg", "EC",
                "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "30",
                "-dname", "CN=" + hostName, "-ext", "SAN=" + subjectAltNames(hostName),
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(password), "-keypass", new String(password), "-noprompt");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try (InputStream out = process.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(keytool + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IOException(keytool + " failed (exit " + process.exitValue() + "): " + output.strip());
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, password);
            }
            return keyStore;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + keytool + " made a self-signed certificate", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("could not read the key store keytool made: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(store);
            Files.deleteIfExists(dir);
        }
    }

    /** A throwaway password: the store lives in memory once loaded, and its file is deleted. */
    static char[] randomPassword() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).toCharArray();
    }

    /** The host as a DNS name or an IP address, plus localhost and 127.0.0.1 for local use. */
    private static String subjectAltNames(String hostName) {
        boolean literal = hostName.matches("[0-9.]+") || hostName.contains(":");
        StringBuilder names = new StringBuilder(literal ? "ip:" + hostName : "dns:" + hostName);
        if (!hostName.equals("localhost")) {
            names.append(",dns:localhost");
        }
        if (!hostName.equals("127.0.0.1")) {
            names.append(",ip:127.0.0.1");
        }
        return names.toString();
    }
}
