package io.jring;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link FdSpikeContract}, run under a small RLIMIT_NOFILE: an echo server on
 * the backend named by {@code args[0]} with {@code args[1]} loops, taking connections the way
 * {@code args[2]} says: {@code onAccept}, {@code accept} (one socket per loop) or
 * {@code accept-shared} (one socket for all loops).
 * Prints {@code port N}, then serves until stdin says {@code close}; then closes the listener
 * and prints how accepting ended. It sets no limit itself: the test starts it under
 * {@code prlimit}.
 */
public final class FdSpikeMain {
    public static void main(String[] args) throws Exception {
        Backend backend = Backend.valueOf(args[0]);
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(Integer.parseInt(args[1]))
                .withBackend(backend));
        String mode = args[2];
        Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0),
                ListenOptions.DEFAULT.withReusePort(!mode.equals("accept-shared")));
        CompletableFuture<Void> accepting;
        if (mode.equals("onAccept")) {
            accepting = listener.onAccept(FdSpikeMain::echo);
        } else {
            accepting = new CompletableFuture<>();
            acceptNext(listener, accepting);
        }
        System.out.println("port " + ((java.net.InetSocketAddress) listener.localAddress()).getPort());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null && !line.equals("close")) {
            // nothing else is asked
        }
        System.out.println("accepting before close: " + (accepting.isDone() ? "ended" : "running"));
        listener.close().get(10, TimeUnit.SECONDS);
        try {
            accepting.get(10, TimeUnit.SECONDS);
            System.out.println("accepting ended: normally");
        } catch (java.util.concurrent.ExecutionException e) {
            System.out.println("accepting ended: " + e.getCause());
        }
        runtime.close();
        System.out.println("closed");
    }

    /** accept() after accept(): ends {@code accepting} normally when the listener closes, else with the failure. */
    private static void acceptNext(Listener listener, CompletableFuture<Void> accepting) {
        listener.accept().whenComplete((connection, error) -> {
            if (error == null) {
                echo(connection);
                acceptNext(listener, accepting);
            } else if (error instanceof ConnectionClosedException) {
                accepting.complete(null);
            } else {
                accepting.completeExceptionally(error);
            }
        });
    }

    private static void echo(Connection connection) {
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

    private FdSpikeMain() {}
}
