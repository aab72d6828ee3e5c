package io.jring.bench.server;

import io.jring.Backend;
import java.util.concurrent.CountDownLatch;

/**
 * One bench server process: serves the echo workload on one port and the http workload on
 * another, on one thread, until it is terminated (SIGTERM runs the shutdown hook).
 *
 * <pre>BenchServer jring-io_uring|jring-io_uring-1shot|jring-io_uring-push|jring-epoll|netty-epoll|netty-io_uring|nio|tomcat-jdk|tomcat-jring|jring-vt|jdk-vt ECHO_PORT HTTP_PORT [HOST]</pre>
 *
 * Prints {@code ready} on stdout once both ports listen. Reads commands on stdin: {@code heap}
 * runs a full GC and prints {@code live-heap-kib N} (what {@code jcmd GC.run} + {@code GC.heap_info}
 * would show, without starting a JVM to ask), for the bench's idle-connection memory pass.
 */
public final class BenchServer {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: BenchServer KIND ECHO_PORT HTTP_PORT [HOST]");
            System.exit(2);
        }
        String kind = args[0];
        int echoPort = Integer.parseInt(args[1]);
        int httpPort = Integer.parseInt(args[2]);
        String host = args.length > 3 ? args[3] : "127.0.0.1";
        AutoCloseable server = switch (kind) {
            case "jring-io_uring" -> JringServer.start(Backend.IO_URING, true, host, echoPort, httpPort);
            case "jring-io_uring-1shot" -> JringServer.start(Backend.IO_URING, false, host, echoPort, httpPort);
            case "jring-epoll" -> JringServer.start(Backend.EPOLL, true, host, echoPort, httpPort);
            case "jring-io_uring-push" -> JringServer.startPush(Backend.IO_URING, host, echoPort, httpPort);
            // https: a self-signed certificate made at startup (keytool), http workload only
            case "jring-io_uring-tls" -> JringServer.start(Backend.IO_URING, true,
                    io.jring.tls.TlsOptions.selfSigned("localhost"), host, echoPort, httpPort);
            case "jring-epoll-tls" -> JringServer.start(Backend.EPOLL, true,
                    io.jring.tls.TlsOptions.selfSigned("localhost"), host, echoPort, httpPort);
            case "netty-epoll" -> NettyServer.start("epoll", host, echoPort, httpPort);
            case "netty-io_uring" -> NettyServer.start("io_uring", host, echoPort, httpPort);
            case "netty-epoll-tls" -> NettyServer.start("epoll",
                    io.jring.tls.TlsOptions.selfSigned("localhost").sslContext(), host, echoPort, httpPort);
            case "nio" -> NioServer.start(host, echoPort, httpPort);
            case "tomcat-jdk" -> TomcatServer.start("sun.nio.ch.LinuxAsynchronousChannelProvider", host, httpPort);
            case "tomcat-jring" -> TomcatServer.start("io.jring.nio2.JringAsynchronousChannelProvider", host, httpPort);
            case "jring-vt" -> JringVirtualThreadServer.start(host, echoPort, httpPort);
            case "jdk-vt" -> JdkVirtualThreadServer.start(host, echoPort, httpPort);
            default -> throw new IllegalArgumentException("unknown server kind " + kind);
        };
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println(kind + ": close: " + e);
            }
            stopped.countDown();
        }));
        Thread commands = new Thread(BenchServer::readCommands, "bench-commands");
        commands.setDaemon(true);
        commands.start();
        System.out.println("ready " + kind + " echo=" + echoPort + " http=" + httpPort);
        System.out.flush();
        stopped.await();
    }

    private static void readCommands() {
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.trim().equals("heap")) {
                    System.gc();
                    long used = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    System.out.println("live-heap-kib " + used / 1024);
                    System.out.flush();
                }
            }
        } catch (java.io.IOException e) {
            // stdin closed: no more commands
        }
    }

    private BenchServer() {}
}
