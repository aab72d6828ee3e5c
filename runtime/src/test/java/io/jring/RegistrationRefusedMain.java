package io.jring;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Child JVM for {@link RegistrationRefusedTest}: runs where RLIMIT_MEMLOCK is too small to
 * register the pool, prints each loop's description, echoes one message over loopback and
 * prints the pool's balance after close. Everything on stdout, one fact per line.
 */
public final class RegistrationRefusedMain {
    public static void main(String[] args) throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withRequireUring(true));
        runtime.describeLoops().forEach(line -> System.out.println("loop: " + line));
        Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.onAccept(connection -> connection.recv().thenCompose(connection::send));
        Connection client = runtime.connect(listener.localAddress()).get();
        client.send("unregistered".getBytes(StandardCharsets.UTF_8)).get();
        StringBuilder echoed = new StringBuilder();
        while (echoed.length() < "unregistered".length()) {
            IoBuffer buffer = client.recv().get();
            echoed.append(buffer.toString(StandardCharsets.UTF_8));
            buffer.release();
        }
        System.out.println("echo: " + echoed);
        client.close().get();
        listener.close().get();
        runtime.close();
        System.out.println("buffers in use after close: " + runtime.buffersInUse());
    }
}
