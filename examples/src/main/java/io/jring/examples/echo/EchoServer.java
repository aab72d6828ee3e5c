package io.jring.examples.echo;

import io.jring.Connection;
import io.jring.IoRuntime;
import io.jring.Listener;
import io.jring.examples.Args;
import java.net.SocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * The shortest correct jring server: every byte a client sends comes back.
 *
 * <pre>./jring example echo --port 7000 [--backend io_uring|epoll] [--threads N] [--host 127.0.0.1]
 * ./jring example echo --unix /tmp/echo.sock [--backend ...]   (or --unix @name: a Linux abstract name)</pre>
 */
public final class EchoServer {
    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("echo", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        Args args = Args.parse(argv, "port", "host", "unix", "backend", "threads");
        SocketAddress address = args.listenAddress(7000);
        CountDownLatch stopped = new CountDownLatch(1);
        try (IoRuntime runtime = IoRuntime.open(args.runtimeOptions())) {
            Listener listener = runtime.listen(address);
            listener.onAccept(EchoServer::echo);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                listener.close().join();
                runtime.close();
                stopped.countDown();
            }));
            System.out.println("echo listening on " + listener.localAddress() + " backend=" + runtime.backend()
                    + runtime.fallbackReason().map(r -> " (" + r + ")").orElse(""));
            stopped.await();
        }
    }

    /** One receive, one send of the same buffer, repeat; the peer's end of stream closes us too. */
    static void echo(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                connection.close();
                return;
            }
            connection.send(buffer).whenComplete((ok, sendError) -> {
                if (sendError != null) {
                    connection.close();
                } else {
                    echo(connection);
                }
            });
        });
    }

    private EchoServer() {}
}
