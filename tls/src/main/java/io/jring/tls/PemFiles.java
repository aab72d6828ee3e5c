package io.jring.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files read with the JDK's public API only: PEM is base64 DER between
 * {@code -----BEGIN X-----} and {@code -----END X-----} lines, so the blocks are cut out here and
 * handed to {@link CertificateFactory} and {@link KeyFactory}. (The JDK's own PEM API is a
 * preview in 25, not something a library can depend on.)
 */
final class PemFiles {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----", Pattern.DOTALL);

    private record Block(String label, byte[] der) {}

    private PemFiles() {}

    /** Every certificate in the file, in order (leaf first, as servers send them). */
    static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file)) {
                if (block.label().equals("CERTIFICATE")) {
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a valid X.509 certificate (" + e.getMessage() + ")", e);
        }
        if (chain.isEmpty()) {
            throw new IOException(file + ": no '-----BEGIN CERTIFICATE-----' block; give a PEM certificate chain,"
                    + " leaf first");
        }
        return chain;
    }

    /**
     * The unencrypted PKCS#8 key in the file ({@code -----BEGIN PRIVATE KEY-----}). Its algorithm
     * is tried as {@code algorithmHint} (the certificate's public key algorithm) first.
     */
    static PrivateKey privateKey(Path file, String algorithmHint) throws IOException {
        for (Block block : blocks(file)) {
            switch (block.label()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, block.der(), algorithmHint);
                }
                case "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IOException(file
                        + ": holds a '" + block.label() + "'; jring reads unencrypted PKCS#8 keys ('PRIVATE KEY'):"
                        + " convert it with `openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem`");
                default -> { } // certificates or parameters in the same file: skip
            }
        }
        throw new IOException(file + ": no '-----BEGIN PRIVATE KEY-----' block; give an unencrypted PKCS#8 key");
    }

    /**
     * Fails unless {@code key} is the private half of the certificate's public key: a test
     * signature made with one must verify with the other. (A key store accepts any pair, and
     * the mistake would otherwise surface only as a failed handshake.)
     */
    static void checkPair(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null; // RSASSA-PSS and others need parameters: left to the handshake
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = "jring key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.security.Signature signer = java.security.Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new java.security.InvalidKeyException("the private key is not the one the certificate's public key"
                    + " belongs to (" + certificate.getSubjectX500Principal() + "): give the key file made with it");
        }
    }

    private static PrivateKey pkcs8(Path file, byte[] der, String algorithmHint) throws IOException {
        Set<String> algorithms = new LinkedHashSet<>();
        if (algorithmHint != null) {
            algorithms.add(algorithmHint);
        }
        algorithms.addAll(List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"));
        GeneralSecurityException last = null;
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new IOException(file + ": a PKCS#8 key of none of the algorithms " + algorithms
                + " (" + (last == null ? "" : last.getMessage()) + ")", last);
    }

    private static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).trim())));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": the '" + m.group(1) + "' block is not valid base64", e);
            }
        }
        return blocks;
    }
}
