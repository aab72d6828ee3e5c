package io.jring;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Child of {@link ObservabilityContract#runsWithoutTheJfrModule}: run with {@code --limit-modules}
 * leaving jdk.jfr out, it opens a runtime on the backend named in {@code args[0]}, echoes one
 * message and prints what it saw.
 */
public final class NoJfrMain {
    public static void main(String[] args) throws Exception {
        System.out.println("jdk.jfr present: " + ModuleLayer.boot().findModule("jdk.jfr").isPresent());
        IoRuntimeOptions options = IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.valueOf(args[0]));
        try (IoRuntime runtime = IoRuntime.open(options)) {
            Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
            listener.onAccept(NoJfrMain::echoOnce);
            Connection client = runtime.connect(listener.localAddress()).get();
            client.send("ping".getBytes(StandardCharsets.US_ASCII)).get();
            IoBuffer reply = client.recv(Duration.ofSeconds(10)).get();
            System.out.println("echoed: " + reply.toString(StandardCharsets.US_ASCII));
            reply.release();
            // The client and the connection it was accepted as, both on the one loop.
            System.out.println("connections: " + runtime.stats().connections());
            client.close().get();
        }
    }

    private static void echoOnce(Connection connection) {
        connection.recv().thenCompose(connection::send);
    }
}
