package io.jring.snippets;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * The code the API documentation shows, in regions that {@code {@snippet file=...}} tags include
 * (the Javadoc build's snippet path is src/test/java). It is compiled with the tests, and
 * {@code io.jring.SnippetsContract} runs it over real sockets on both backends, so the documentation's
 * examples cannot rot.
 */
public final class ApiSnippets {

    /** The echo server of IoRuntime's documentation: every byte received is sent back. */
    public static Listener echoServer(IoRuntime runtime, SocketAddress address) throws IOException {
        // @start region="echo-server"
        Listener listener = runtime.listen(address);
        listener.onAccept(ApiSnippets::echo); // each connection, on its own loop thread
        System.out.println("backend=" + runtime.backend() + " " + runtime.fallbackReason().orElse(""));
        // @end
        return listener;
    }

    // @start region="echo"
    public static void echo(Connection conn) {
        conn.recv().whenComplete((buf, error) -> {
            if (error != null || buf.isEndOfStream()) { // a reset, a timeout, or the peer's FIN
                conn.close();
                return;
            }
            conn.send(buf)                              // the send takes the buffer: no release here
                    .thenRun(() -> echo(conn))
                    .exceptionally(sendError -> { conn.close(); return null; });
        });
    }
    // @end

    /** The echo of Connection.onReceive's documentation: the push path, with no future per buffer. */
    // @start region="push-echo"
    public static void pushEcho(Connection conn) {
        conn.onReceive(conn::sendAndForget)              // each buffer straight back (the send takes it)
                .whenComplete((end, error) -> conn.close()); // the peer's FIN, a reset, or a failed send
    }
    // @end

    /** A client: connect, send a line, read the answer, close. */
    public static CompletableFuture<String> client(IoRuntime runtime, SocketAddress address) {
        // @start region="client"
        return runtime.connect(address, Duration.ofSeconds(5))
                .thenCompose(conn -> conn.send("ping\n".getBytes(StandardCharsets.US_ASCII))
                        .thenCompose(sent -> conn.recv(Duration.ofSeconds(5)))
                        .thenApply(buf -> {
                            try {
                                return buf.isEndOfStream() ? "" : buf.toString(StandardCharsets.US_ASCII);
                            } finally {
                                buf.release();                 // recv() handed it to us: we release it
                            }
                        })
                        .whenComplete((line, error) -> conn.close()));
        // @end
    }

    /** The same echo server and client over a Unix domain socket: only the address differs. */
    public static String unixEcho(IoRuntime runtime, Path directory) throws Exception {
        // @start region="unix"
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(directory.resolve("echo.sock"));
        Listener listener = runtime.listen(address);        // creates echo.sock; one socket, every loop accepts
        listener.onAccept(ApiSnippets::echo);
        String answer = runtime.connect(address)              // or AbstractUnixAddress.of("echo"): no file
                .thenCompose(conn -> conn.send("ping\n".getBytes(StandardCharsets.US_ASCII))
                        .thenCompose(sent -> conn.recv(Duration.ofSeconds(5)))
                        .thenApply(buf -> { try { return buf.toString(StandardCharsets.US_ASCII); }
                                            finally { buf.release(); conn.close(); } }))
                .get();
        listener.close().get();                               // removes echo.sock
        // @end
        return answer;
    }

    /** Filling a buffer of one's own and sending it. */
    public static CompletableFuture<Void> allocateAndSend(Connection conn) {
        // @start region="allocate"
        IoBuffer buf = conn.allocate();                     // owned by us until a send takes it
        buf.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        return conn.send(buf);                              // taken: touching buf now throws
        // @end
    }

    /** Slow work leaves the loop thread and comes back. */
    public static CompletableFuture<Void> offTheLoop(Connection conn, ExecutorService workers) {
        // @start region="off-the-loop"
        return conn.recv()
                .thenApplyAsync(ApiSnippets::slowWork, workers)   // never block a loop thread
                .thenCompose(conn::send);                        // send may be called from any thread
        // @end
    }

    private static byte[] slowWork(IoBuffer request) {
        try {
            return request.isEndOfStream() ? new byte[0] : request.toByteArray();
        } finally {
            request.release();
        }
    }

    /** Choosing a backend explicitly (here: the one given), and seeing which one runs. */
    public static IoRuntime runtimeOn(Backend backend) throws IOException {
        // @start region="backend"
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults()
                .withThreads(2)              // loops (threads), each with its own ring or epoll fd
                .withBackend(backend));      // io_uring or epoll; without it jring chooses, preferring io_uring
        System.out.println(runtime.backend() + " " + runtime.describeLoops());
        // @end
        return runtime;
    }

    private ApiSnippets() {}
}
