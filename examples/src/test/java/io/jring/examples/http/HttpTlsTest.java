package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.tls.Tls;
import io.jring.tls.TlsConnection;
import io.jring.tls.TlsOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The http example over HTTPS, on both backends: {@code --tls} (self-signed, for curl -k and
 * openssl s_client) and {@code --tls-cert/--tls-key} (a certificate openssl made, which curl and
 * jring's own TLS client verify against it as their trust store).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HttpTlsTest {
    private final Path pki = Files.createTempDirectory("jring-http-tls");
    private final Path cert = pki.resolve("cert.pem");
    private final Path key = pki.resolve("key.pem");
    private final HttpServers selfSigned = new HttpServers("--tls", "--max-body", Integer.toString(11 << 20));
    private final HttpServers fromPem;

    HttpTlsTest() throws Exception {
        run(Duration.ofSeconds(60), null, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        fromPem = new HttpServers("--tls-cert", cert.toString(), "--tls-key", key.toString());
    }

    @AfterAll
    void stop() throws Exception {
        selfSigned.close();
        fromPem.close();
        Files.deleteIfExists(cert);
        Files.deleteIfExists(key);
        Files.deleteIfExists(pki);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void curlInsecureGetsHelloOverHttp11(String backend) throws Exception {
        String url = "https://127.0.0.1:" + selfSigned.port(backend) + "/";
        Curl.Result hello = Curl.fetch("-k", url);
        assertEquals(200, hello.status());
        assertEquals("Hello, World!", hello.text());
        // ALPN agreed on HTTP/1.1; two requests share one TLS connection (keep-alive)
        assertEquals("1.1:1 1.1:0 ", Curl.run("-k", "-o", "/dev/null", "-o", "/dev/null",
                "-w", "%{http_version}:%{num_connects} ", url, url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void tenMebibytePostEchoedByteExact(String backend) throws Exception {
        byte[] body = HttpServers.randomBytes(10 << 20, 15);
        Path file = Files.write(selfSigned.base.resolve("post-" + backend + ".bin"), body);
        Curl.Result echoed = Curl.fetch("-k", "--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream",
                "https://127.0.0.1:" + selfSigned.port(backend) + "/echo");
        assertEquals(200, echoed.status());
        assertArrayEquals(body, echoed.body());
        Files.delete(file);
    }

    @ParameterizedTest
    @CsvSource({"io_uring,-tls1_3,TLSv1.3", "epoll,-tls1_3,TLSv1.3", "io_uring,-tls1_2,TLSv1.2", "epoll,-tls1_2,TLSv1.2"})
    void opensslSClientSeesProtocolCipherAndAlpn(String backend, String flag, String protocol) throws Exception {
        String out = run(Duration.ofSeconds(30),
                "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                "openssl", "s_client", "-connect", "127.0.0.1:" + selfSigned.port(backend), flag,
                "-alpn", "http/1.1", "-servername", "localhost", "-ign_eof");
        assertTrue(out.contains("Protocol  : " + protocol) || out.contains("New, " + protocol), out);
        assertTrue(out.matches("(?s).*Cipher is (TLS_AES|TLS_CHACHA|ECDHE-ECDSA)\\S+.*"), out);
        assertTrue(out.contains("ALPN protocol: http/1.1"), out);
        assertTrue(out.contains("HTTP/1.1 200 OK") && out.contains("Hello, World!"), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void plaintextToTheTlsPortGetsAnAlertOrACloseAndTheServerGoesOn(String backend) throws Exception {
        int port = selfSigned.port(backend);
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(20_000);
            plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = readToEnd(plain.getInputStream());
            assertTrue(answer.length == 0 || answer[0] == 0x15, "an alert record (21) or a plain close, got "
                    + answer.length + " bytes starting " + (answer.length == 0 ? "" : answer[0]));
        }
        assertEquals("Hello, World!", Curl.fetch("-k", "https://127.0.0.1:" + port + "/").text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void curlVerifiesAPemCertificateAgainstItAsTheCa(String backend) throws Exception {
        int port = fromPem.port(backend);
        Curl.Result hello = Curl.fetch("--cacert", cert.toString(), "--resolve", "localhost:" + port + ":127.0.0.1",
                "https://localhost:" + port + "/");
        assertEquals("Hello, World!", hello.text());
    }

    /** jring's own TLS client fetches https:// from the example, verifying the chain against a given trust store. */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void jringTlsClientFetchesHttpsVerifyingTheChain(String backend) throws Exception {
        int port = fromPem.port(backend);
        TlsOptions trusting = TlsOptions.client().withTrustedCertificates(cert).withApplicationProtocols("http/1.1");
        try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1)
                .withBackend(Backend.parse(backend)))) {
            Connection plain = runtime.connect(new InetSocketAddress("127.0.0.1", port)).get(20, TimeUnit.SECONDS);
            TlsConnection tls = Tls.client(plain, trusting, "localhost").get(20, TimeUnit.SECONDS);
            assertEquals("http/1.1", tls.applicationProtocol().orElseThrow());
            tls.send("GET /json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            while (true) {
                IoBuffer b = tls.recv(Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
                if (b.isEndOfStream()) {
                    break;
                }
                response.write(b.toByteArray());
                b.release();
            }
            String text = response.toString(StandardCharsets.UTF_8);
            assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
            assertTrue(text.endsWith("{\"message\":\"Hello, World!\"}"), text);
            tls.close().get(20, TimeUnit.SECONDS);
        }
    }

    /** Python's ssl module as the client: pipelining, a chunked body and bad requests, as in plaintext. */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void pythonSslPipelinedChunkedAndBadRequests(String backend) throws Exception {
        int port = selfSigned.port(backend);
        String pipelined = python(port, "GET / HTTP/1.1\r\nHost: t\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertTrue(pipelined.startsWith("TLSv1.3 http/1.1\n"), pipelined);
        assertEquals(3, pipelined.split("HTTP/1.1 200 OK", -1).length - 1, pipelined);
        int hello = pipelined.indexOf("Hello, World!");
        int json = pipelined.indexOf("{\"message\"");
        assertTrue(hello > 0 && json > hello && pipelined.lastIndexOf("Hello, World!") > json, "in order: " + pipelined);

        String chunked = python(port, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertTrue(chunked.contains("HTTP/1.1 200 OK") && chunked.endsWith("hello world"), chunked);

        assertTrue(python(port, "GET / HTTP/1.1\nHost: t\n\n").contains("HTTP/1.1 400 "), "bare LF");
        assertTrue(python(port, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n")
                .contains("HTTP/1.1 431 "), "headers over 8 KiB");
        assertTrue(python(port, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n")
                .contains("HTTP/1.1 501 "), "unsupported transfer encoding");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void wrkOverHttpsSeesNoErrors(String backend) throws Exception {
        String base = "https://127.0.0.1:" + selfSigned.port(backend);
        HttpWrkTest.assertClean(HttpWrkTest.wrk("-t1", "-c16", "-d2s", base + "/"));
    }

    private static String python(int port, String request) throws Exception {
        Path script = Files.createTempFile("https_exchange", ".py");
        try (InputStream in = HttpTlsTest.class.getResourceAsStream("/https_exchange.py")) {
            Files.write(script, in.readAllBytes());
            return run(Duration.ofSeconds(30), request, "python3", script.toString(), Integer.toString(port));
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static byte[] readToEnd(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (java.net.SocketException reset) {
            // a reset after the alert is a close too
        }
        return out.toByteArray();
    }

    /** Runs a command with {@code input} on stdin; returns stdout and stderr, failing on a non-zero exit. */
    private static String run(Duration limit, String input, String... command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.US_ASCII));
            }
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(List.of(command) + " did not finish within " + limit);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), List.of(command) + " failed:\n" + text);
        return text;
    }
}
