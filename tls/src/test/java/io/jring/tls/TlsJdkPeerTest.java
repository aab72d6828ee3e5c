package io.jring.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The JDK's blocking SSLSocket as the peer of jring's TLS, each way, and renegotiation refused. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsJdkPeerTest {

    private static SSLSocket jdkClient(Loopback loop, String protocol) throws Exception {
        SSLContext trusting = Certs.trustingServer().sslContext();
        SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket();
        socket.connect(loop.listener.localAddress(), 20_000);
        socket.setSoTimeout(20_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setServerNames(java.util.List.of(new SNIHostName("localhost")));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        return socket;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sslSocketClientToJringServer(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            CompletableFuture<Connection> accepted = loop.listener.accept();
            try (SSLSocket client = jdkClient(loop, "TLSv1.3")) {
                CompletableFuture<TlsConnection> server = Tls.server(accepted.get(20, TimeUnit.SECONDS), Certs.server());
                client.startHandshake();
                TlsConnection tls = server.get(20, TimeUnit.SECONDS);
                assertEquals("http/1.1", client.getApplicationProtocol());
                assertEquals("localhost", tls.requestedServerName().orElseThrow());
                TlsStreamTest.echo(tls);
                byte[] message = new byte[100_000];
                new java.util.Random(7).nextBytes(message);
                client.getOutputStream().write(message);
                byte[] back = new byte[message.length];
                new DataInputStream(client.getInputStream()).readFully(back);
                assertEquals(java.util.Arrays.hashCode(message), java.util.Arrays.hashCode(back));
                // leaving the block closes the client (close_notify): the echo loop ends and closes its side
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void jringClientToSslServerSocket(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend);
             SSLServerSocket listener = (SSLServerSocket) Certs.server().sslContext().getServerSocketFactory()
                     .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(20_000);
                    byte[] hello = new byte[5];
                    new DataInputStream(s.getInputStream()).readFully(hello);
                    s.getOutputStream().write("world".getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                    return new String(hello, StandardCharsets.UTF_8) + " " + s.getSession().getProtocol();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Connection plain = loop.runtime.connect(new InetSocketAddress(listener.getInetAddress(),
                    listener.getLocalPort())).get(20, TimeUnit.SECONDS);
            TlsConnection tls = Tls.client(plain, Certs.trustingServer(), "localhost").get(20, TimeUnit.SECONDS);
            tls.send("hello".getBytes(StandardCharsets.UTF_8));
            IoBuffer reply = tls.recv(Loopback.WAIT).get(20, TimeUnit.SECONDS);
            assertEquals("world", reply.toString(StandardCharsets.UTF_8));
            reply.release();
            // SSLSocket.close() under TLS 1.3 waits for the peer's close_notify: ours comes with close()
            tls.close().get(20, TimeUnit.SECONDS);
            assertEquals("hello TLSv1.3", served.get(20, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void renegotiationIsRefused(Backend backend) throws Exception {
        try (Loopback loop = new Loopback(backend)) {
            CompletableFuture<Connection> accepted = loop.listener.accept();
            try (SSLSocket client = jdkClient(loop, "TLSv1.2")) {
                CompletableFuture<TlsConnection> server = Tls.server(accepted.get(20, TimeUnit.SECONDS), Certs.server());
                client.startHandshake();
                TlsConnection tls = server.get(20, TimeUnit.SECONDS);
                assertEquals("TLSv1.2", tls.session().getProtocol());
                CompletableFuture<IoBuffer> pending = tls.recv();
                Thread renegotiate = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        client.startHandshake(); // TLS 1.2: a new ClientHello on the open connection
                        client.getOutputStream().write(1);
                        client.getInputStream().read();
                    } catch (Exception expected) {
                        // the server refuses and closes
                    }
                });
                ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(20, TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().contains("renegotiation"), e.getCause().getMessage());
                assertTrue(!tls.isOpen());
                renegotiate.join(20_000); // the server's close ends the client's renegotiation attempt
                assertTrue(!renegotiate.isAlive(), "the client was left waiting on a connection the server closed");
            }
        }
    }
}
