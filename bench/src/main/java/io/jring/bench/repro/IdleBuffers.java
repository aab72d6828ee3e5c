package io.jring.bench.repro;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Reproduction: how many pooled buffers idle connections hold, per backend. Each of N clients
 * sends one 64-byte message, gets its echo, and goes quiet; the server keeps one recv pending
 * on each, as every jring server does. With provided buffers (io_uring) an idle connection
 * should hold no block; the count printed is {@link IoRuntime#buffersInUse()}.
 *
 * <pre>java -cp ... io.jring.bench.repro.IdleBuffers [io_uring|epoll] [N]</pre>
 */
public final class IdleBuffers {
    public static void main(String[] args) throws Exception {
        Backend backend = Backend.parse(args.length > 0 ? args[0] : "epoll");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        IoRuntimeOptions options = IoRuntimeOptions.defaults().withThreads(1).withBackend(backend);
        try (IoRuntime runtime = IoRuntime.open(options)) {
            Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
            listener.onAccept(IdleBuffers::echo);
            List<SocketChannel> clients = new ArrayList<>();
            ByteBuffer message = ByteBuffer.allocate(64);
            for (int i = 0; i < n; i++) {
                SocketChannel c = SocketChannel.open(listener.localAddress());
                message.clear();
                c.write(message);
                ByteBuffer echo = ByteBuffer.allocate(64);
                while (echo.hasRemaining()) {
                    c.read(echo);
                }
                clients.add(c);
            }
            Thread.sleep(500);
            int inUse = runtime.buffersInUse();
            System.out.printf("%s: %d idle connections hold %d pooled buffers (%d KiB at %d B each)%n",
                    runtime.backend(), n, inUse, (long) inUse * options.bufferSize() / 1024, options.bufferSize());
            for (SocketChannel c : clients) {
                c.close();
            }
            listener.close().join();
        }
    }

    static void echo(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                connection.close();
                return;
            }
            connection.send(buffer);
            echo(connection);
        });
    }

    private IdleBuffers() {}
}
