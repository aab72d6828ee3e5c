package io.jring.bench.server;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.net.InetSocketAddress;

/**
 * {@code jring-vt}: jring's blocking streams on virtual threads, one io_uring loop doing the
 * I/O underneath ({@link VirtualThreadServer} is the per-connection code).
 */
final class JringVirtualThreadServer {
    static AutoCloseable start(String host, int echoPort, int httpPort) throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.IO_URING));
        if (runtime.backend() != Backend.IO_URING) {
            runtime.close();
            throw new IllegalStateException("asked for io_uring, got " + runtime.backend());
        }
        Listener echo = runtime.listen(new InetSocketAddress(host, echoPort));
        Listener http = runtime.listen(new InetSocketAddress(host, httpPort));
        VirtualThreadServer.acceptLoop("jring-vt-echo", () -> streams(echo.acceptBlocking()), false);
        VirtualThreadServer.acceptLoop("jring-vt-http", () -> streams(http.acceptBlocking()), true);
        System.out.println("jring-vt " + runtime.backend() + " loops: " + runtime.describeLoops());
        return () -> {
            echo.close().join();
            http.close().join();
            runtime.close();
        };
    }

    private static VirtualThreadServer.Stream streams(Connection connection) {
        return new VirtualThreadServer.Stream(connection.inputStream(), connection.outputStream(),
                () -> connection.close());
    }

    private JringVirtualThreadServer() {}
}
