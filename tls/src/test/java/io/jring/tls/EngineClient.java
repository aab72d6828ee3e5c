package io.jring.tls;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * A TLS 1.3 client driven by hand over a blocking socket, for peers no well-behaved client
 * plays: it can send close_notify and keep the TCP connection open to write more after it.
 */
final class EngineClient {
    private final Socket socket;
    private final SSLEngine engine;
    private final InputStream in;
    private final OutputStream out;
    private ByteBuffer netIn;
    private final ByteBuffer plainIn;

    private EngineClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.engine = engine;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2).flip();
        this.plainIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2).flip();
    }

    static EngineClient handshake(Socket socket, SSLContext context) throws Exception {
        SSLEngine engine = context.createSSLEngine("localhost", socket.getPort());
        engine.setUseClientMode(true);
        var parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3"});
        engine.setSSLParameters(parameters);
        EngineClient client = new EngineClient(socket, engine);
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> client.wrap(ByteBuffer.allocate(0));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> client.unwrapOne();
                case NEED_TASK -> {
                    for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
                        t.run();
                    }
                }
                default -> {
                    return client;
                }
            }
        }
    }

    /** close_notify, and nothing else: the TCP connection stays open both ways. */
    void sendCloseNotify() throws IOException {
        engine.closeOutbound();
        wrap(ByteBuffer.allocate(0));
    }

    /** Reads records until {@code n} bytes of plaintext have arrived. */
    String readString(int n) throws IOException {
        while (plainIn.remaining() < n) {
            unwrapOne();
        }
        byte[] bytes = new byte[n];
        plainIn.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void wrap(ByteBuffer plaintext) throws IOException {
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(plaintext, net);
        out.write(net.array(), 0, net.position());
        out.flush();
    }

    /** Unwraps one record, reading from the socket until a whole one is there. */
    private void unwrapOne() throws IOException {
        while (true) {
            plainIn.compact();
            SSLEngineResult result;
            try {
                result = engine.unwrap(netIn, plainIn);
            } finally {
                plainIn.flip();
            }
            if (result.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                return;
            }
            netIn.compact();
            int got = in.read(netIn.array(), netIn.position(), netIn.remaining());
            if (got < 0) {
                throw new EOFException("the server closed the connection");
            }
            netIn.position(netIn.position() + got).flip();
        }
    }

    @Override
    public String toString() {
        return "EngineClient[" + socket + "]";
    }
}
