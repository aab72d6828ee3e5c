package io.jring;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The other end, written with plain blocking {@link java.net.Socket}s so it shares no code with
 * the runtime under test. Every read has a timeout.
 */
final class PeerSocket implements AutoCloseable {
    static final int READ_TIMEOUT_MILLIS = 30_000;

    /** What the test reads, writes and shuts down: the TCP socket, or a TLS socket over it. */
    final Socket socket;
    /** The TCP socket underneath, for a reset that no TLS layer may turn into close_notify. */
    private final Socket tcp;
    final InputStream in;
    final OutputStream out;

    private PeerSocket(Socket tcp, Wire wire) throws IOException {
        this.tcp = tcp;
        tcp.setSoTimeout(READ_TIMEOUT_MILLIS);
        tcp.setTcpNoDelay(true);
        this.socket = wire.peer(tcp);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static PeerSocket connect(SocketAddress address) throws IOException {
        return connect(address, Wire.PLAIN);
    }

    static PeerSocket connect(SocketAddress address, Wire wire) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 10_000);
        return new PeerSocket(socket, wire);
    }

    /** Connects with a small receive buffer (set before connect, so the window is small from the start). */
    static PeerSocket connectWithReceiveBuffer(SocketAddress address, int receiveBuffer) throws IOException {
        return connectWithReceiveBuffer(address, receiveBuffer, Wire.PLAIN);
    }

    static PeerSocket connectWithReceiveBuffer(SocketAddress address, int receiveBuffer, Wire wire)
            throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(address, 10_000);
        return new PeerSocket(socket, wire);
    }

    static PeerSocket wrap(Socket socket) throws IOException {
        return new PeerSocket(socket, Wire.PLAIN);
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] readExactly(int n) throws IOException {
        byte[] bytes = new byte[n];
        int at = 0;
        while (at < n) {
            int got = in.read(bytes, at, n - at);
            if (got < 0) {
                throw new EOFException("end of stream after " + at + " of " + n + " bytes");
            }
            at += got;
        }
        return bytes;
    }

    String readString(int n) throws IOException {
        return new String(readExactly(n), StandardCharsets.UTF_8);
    }

    /** Everything up to end of stream (bounded by the read timeout). */
    byte[] readToEnd() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toByteArray();
    }

    /**
     * Writes {@code payload} from a virtual thread while reading the echo here: an echo of a
     * large payload needs both directions moving at once, or both ends block on full buffers.
     */
    byte[] echo(byte[] payload) throws IOException, InterruptedException {
        Thread writer = Thread.ofVirtual().name("peer-writer").start(() -> {
            try {
                write(payload);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        byte[] echoed = readExactly(payload.length);
        writer.join(READ_TIMEOUT_MILLIS);
        return echoed;
    }

    /** Close with SO_LINGER 0: the kernel sends RST instead of FIN. */
    void reset() throws IOException {
        tcp.setSoLinger(true, 0);
        tcp.close();
    }

    @Override
    public void close() throws IOException {
        try {
            if (socket != tcp && !socket.isClosed()) {
                // An SSLSocket's close sends close_notify, then reads until the server's answers it
                // or the read timeout passes: at a test's end the server may never answer, and 30 s
                // per peer adds up.
                socket.setSoTimeout(200);
            }
            socket.close();
        } finally {
            tcp.close();
        }
    }
}
