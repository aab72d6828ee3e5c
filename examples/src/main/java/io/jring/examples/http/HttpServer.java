package io.jring.examples.http;

import io.jring.IoRuntime;
import io.jring.Listener;
import io.jring.examples.Args;
import io.jring.examples.TlsFlags;
import java.net.SocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * An HTTP/1.1 server on jring's CompletableFuture API: keep-alive, pipelining, chunked request
 * bodies, static files, and a clear error (then a close) for every kind of bad input.
 *
 * <pre>./jring example http --port 8080 [--backend io_uring|epoll] [--threads N] [--host 127.0.0.1] [--unix PATH|@NAME]
 *     [--root DIR] [--max-body BYTES] [--header-timeout-ms MS] [--body-timeout-ms MS] [--min-body-rate BYTES_PER_S]
 *     [--max-unsent BYTES] [--send-timeout-ms MS]
 *     [--tls | --tls-cert CHAIN.pem --tls-key KEY.pem]</pre>
 *
 * Routes: {@code GET /} (Hello, World!), {@code GET /json}, {@code POST /echo}, and files under
 * {@code --root}. Each connection is an {@link HttpConnection} on the loop that accepted it.
 * With {@code --unix PATH} it listens on a Unix domain socket instead of a port
 * ({@code curl --unix-socket PATH http://localhost/}); the socket file is removed when it stops.
 */
public final class HttpServer {
    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("http", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        TlsFlags tls = TlsFlags.fromArgs(argv, "http/1.1");
        Args args = Args.parse(tls.rest(), ServerConfig.OPTIONS);
        ServerConfig config = ServerConfig.from(args);
        Routes routes = new Routes(config.files());
        SocketAddress address = args.listenAddress(8080);
        CountDownLatch stopped = new CountDownLatch(1);
        try (IoRuntime runtime = IoRuntime.open(args.runtimeOptions())) {
            if (config.files() != null) {
                config.files().attach(runtime);
            }
            Listener listener = runtime.listen(address);
            listener.onAccept(connection -> tls.accept(connection, c -> new HttpConnection(c, config, routes).start()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                listener.close().join();
                runtime.close(); // closes every connection and waits for the kernel to return their buffers
                stopped.countDown();
            }));
            System.out.println("http listening on " + listener.localAddress() + " backend=" + runtime.backend()
                    + runtime.fallbackReason().map(r -> " (" + r + ")").orElse("")
                    + (config.files() == null ? "" : " root=" + config.files().root()) + tls.describe());
            stopped.await();
        }
    }

    private HttpServer() {}
}
