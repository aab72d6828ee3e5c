package io.jring.examples.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** An nc-like chat client on a plain blocking socket: writes lines, reads lines (30 s read timeout). */
final class ChatClients implements AutoCloseable {
    final Socket socket;
    final BufferedReader reader;
    private final OutputStream out;

    private ChatClients(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(30_000);
        this.reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
    }

    /** The line the server greeted this client with ("* you are guest-N; ..."). */
    String welcome;

    /** Connects and reads the welcome line. */
    static ChatClients connect(SocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 10_000);
        ChatClients client = new ChatClients(socket);
        client.welcome = client.readLine();
        return client;
    }

    /** Connects, reads the welcome, and has {@code other} (already in the room) read the "joined" line. */
    static ChatClients connect(SocketAddress address, ChatClients other) throws IOException {
        ChatClients client = connect(address);
        String joined = other.readLine();
        if (joined == null || !joined.endsWith(" joined")) {
            throw new IOException("expected a 'joined' line, got " + joined);
        }
        return client;
    }

    /** A client that will never read: its receive buffer is small, so the server soon sees it stalled. */
    static ChatClients connectNeverReading(SocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(address, 10_000);
        return new ChatClients(socket);
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    String readLine() throws IOException {
        return reader.readLine();
    }

    /** Reads lines until one starts with {@code prefix}; returns it. */
    String readUntil(String prefix) throws IOException {
        for (String line = readLine(); line != null; line = readLine()) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IOException("end of stream before a line starting with '" + prefix + "'");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
