package io.jring;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The other end of a Unix domain connection, written with the JDK's blocking
 * {@link SocketChannel} so it shares no code with the runtime under test. Reads block without
 * a socket timeout (the JDK has none for channels); the contract's test timeout bounds them.
 */
final class UnixPeer implements AutoCloseable {
    final SocketChannel channel;

    private UnixPeer(SocketChannel channel) {
        this.channel = channel;
    }

    static UnixPeer connect(UnixDomainSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(address);
        return new UnixPeer(channel);
    }

    static UnixPeer wrap(SocketChannel channel) {
        return new UnixPeer(channel);
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    byte[] readExactly(int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(n);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("end of stream after " + buffer.position() + " of " + n + " bytes");
            }
        }
        return buffer.array();
    }

    byte[] readToEnd() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        while (channel.read(chunk) >= 0) {
            all.write(chunk.array(), 0, chunk.position());
            chunk.clear();
        }
        return all.toByteArray();
    }

    /** Writes {@code payload} from a virtual thread while reading its echo here (both directions must move). */
    byte[] echo(byte[] payload) throws Exception {
        Thread writer = Thread.ofVirtual().name("unix-peer-writer").start(() -> {
            try {
                write(payload);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] echoed = readExactly(payload.length);
        writer.join(30_000);
        return echoed;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
