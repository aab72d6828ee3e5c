package io.jring.bench.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * {@code jdk-vt}: the JDK's own {@code ServerSocket}/{@code Socket} on virtual threads (a
 * blocked virtual thread unmounts and the JDK's poller, epoll on Linux, wakes it), running the
 * same per-connection code as {@code jring-vt}.
 */
final class JdkVirtualThreadServer {
    static AutoCloseable start(String host, int echoPort, int httpPort) throws IOException {
        ServerSocket echo = listen(host, echoPort);
        ServerSocket http = listen(host, httpPort);
        VirtualThreadServer.acceptLoop("jdk-vt-echo", () -> streams(echo.accept()), false);
        VirtualThreadServer.acceptLoop("jdk-vt-http", () -> streams(http.accept()), true);
        return () -> {
            echo.close();
            http.close();
        };
    }

    private static ServerSocket listen(String host, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(host, port), 4096);
        return socket;
    }

    private static VirtualThreadServer.Stream streams(Socket socket) throws IOException {
        socket.setTcpNoDelay(true); // as jring's connections are by default
        return new VirtualThreadServer.Stream(socket.getInputStream(), socket.getOutputStream(), socket);
    }

    private JdkVirtualThreadServer() {}
}
