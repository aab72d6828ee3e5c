package io.jring.bench.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The plain JDK answer: one thread, one {@link Selector}, non-blocking channels. Reads go into
 * one shared direct buffer; only a short write leaves bytes behind on a connection (and switches
 * it to OP_WRITE until they are gone), so an idle connection holds no buffer.
 */
final class NioServer {
    private static final int READ_SIZE = 64 * 1024;

    private final Selector selector;
    private final ServerSocketChannel echo;
    private final ServerSocketChannel http;
    private final ByteBuffer in = ByteBuffer.allocateDirect(READ_SIZE);
    private ByteBuffer out = ByteBuffer.allocateDirect(READ_SIZE);
    private volatile boolean stop;

    /** What a connection needs: its kind, its request matcher, and bytes a short write left. */
    private static final class State {
        final boolean http;
        final Http.RequestCounter requests = new Http.RequestCounter();
        ByteBuffer pending;

        State(boolean http) {
            this.http = http;
        }
    }

    private NioServer(String host, int echoPort, int httpPort) throws IOException {
        selector = Selector.open();
        echo = listen(host, echoPort);
        http = listen(host, httpPort);
    }

    private ServerSocketChannel listen(String host, int port) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(new InetSocketAddress(host, port), 4096);
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_ACCEPT);
        return channel;
    }

    static AutoCloseable start(String host, int echoPort, int httpPort) throws IOException {
        NioServer server = new NioServer(host, echoPort, httpPort);
        Thread thread = new Thread(server::run, "nio-selector");
        thread.start();
        return () -> {
            server.stop = true;
            server.selector.wakeup();
            thread.join(5000);
        };
    }

    private void run() {
        try {
            while (!stop) {
                selector.select();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            accept(key);
                        } else if (key.isWritable()) {
                            flushPending(key);
                        } else if (key.isReadable()) {
                            read(key);
                        }
                    } catch (IOException e) {
                        close(key);
                    }
                }
            }
            selector.close();
            echo.close();
            http.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void accept(SelectionKey key) throws IOException {
        ServerSocketChannel server = (ServerSocketChannel) key.channel();
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.register(selector, SelectionKey.OP_READ, new State(server == http));
        }
    }

    private void read(SelectionKey key) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        State state = (State) key.attachment();
        in.clear();
        int n = channel.read(in);
        if (n < 0) {
            close(key);
            return;
        }
        in.flip();
        if (!state.http) {
            write(key, channel, state, in);
            return;
        }
        int complete = 0;
        for (int i = 0; i < n; i++) {
            if (state.requests.feed(in.get(i))) {
                complete++;
            }
        }
        if (complete == 0) {
            return;
        }
        int size = complete * Http.RESPONSE.length;
        if (out.capacity() < size) {
            out = ByteBuffer.allocateDirect(Integer.highestOneBit(size) << 1);
        }
        out.clear();
        for (int i = 0; i < complete; i++) {
            out.put(Http.RESPONSE);
        }
        out.flip();
        write(key, channel, state, out);
    }

    private void write(SelectionKey key, SocketChannel channel, State state, ByteBuffer bytes) throws IOException {
        channel.write(bytes);
        if (bytes.hasRemaining()) {
            ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
            state.pending = copy;
            key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private void flushPending(SelectionKey key) throws IOException {
        State state = (State) key.attachment();
        ((SocketChannel) key.channel()).write(state.pending);
        if (!state.pending.hasRemaining()) {
            state.pending = null;
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private static void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing a broken connection: nothing left to do
        }
    }
}
