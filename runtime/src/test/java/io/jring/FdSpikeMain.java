package io.jring;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link FdSpikeContract}, run under a small RLIMIT_NOFILE: an echo server on
 * the backend named by {@code args[0]} with {@code args[1]} loops. Prints {@code port N}, then
 * serves until stdin says {@code close}; then closes the listener and prints how its onAccept
 * future ended. It sets no limit itself: the test starts it under {@code prlimit}.
 */
public final class FdSpikeMain {
    public static void main(String[] args) throws Exception {
        Backend backend = Backend.valueOf(args[0]);
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(Integer.parseInt(args[1]))
                .withBackend(backend));
        Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        CompletableFuture<Void> accepting = listener.onAccept(FdSpikeMain::echo);
        System.out.println("port " + listener.localAddress().getPort());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null && !line.equals("close")) {
            // nothing else is asked
        }
        System.out.println("accepting before close: " + (accepting.isDone() ? "ended" : "running"));
        listener.close().get(10, TimeUnit.SECONDS);
        try {
            accepting.get(10, TimeUnit.SECONDS);
            System.out.println("onAccept ended: normally");
        } catch (java.util.concurrent.ExecutionException e) {
            System.out.println("onAccept ended: " + e.getCause());
        }
        runtime.close();
        System.out.println("closed");
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
