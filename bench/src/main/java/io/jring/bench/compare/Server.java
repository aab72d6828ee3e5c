package io.jring.bench.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One server process under test: started pinned to the server CPU, serving echo on one port
 * and http on another (or just the one workload it implements), stopped at the end.
 */
final class Server {
    /**
     * JVM flags of every Java server: the same GC, heap pages touched up front; the heap is
     * {@link Spec#heapMegabytes()}.
     */
    static final List<String> JVM_FLAGS = List.of(
            "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-Dio.netty.leakDetection.level=disabled",
            "-Djava.util.logging.SimpleFormatter.format=%4$s %3$s: %5$s%6$s%n");

    enum Kind { JAVA, C, NGINX }

    /** What a server is and which workloads it implements. */
    record Spec(String name, Kind kind, boolean echo, boolean http, String note) {
        static Spec of(String name) {
            return switch (name) {
                case "nginx" -> new Spec(name, Kind.NGINX, false, true, "one worker, master_process off, keepalive_requests raised");
                case "c-liburing" -> new Spec(name, Kind.C, true, true,
                        "C reference and the limit, liburing: multishot accept+recv, provided buffers; http answers counted, one send");
                case "c-epoll" -> new Spec(name, Kind.C, true, false, "C reference, level-triggered epoll, read/write");
                case "jring-io_uring" -> new Spec(name, Kind.JAVA, true, true, "jring, io_uring proactor, 1 loop");
                case "jring-io_uring-1shot" -> new Spec(name, Kind.JAVA, true, true,
                        "jring, io_uring with multishot recv off (one SQE per recv), 1 loop");
                case "jring-io_uring-push" -> new Spec(name, Kind.JAVA, true, true,
                        "jring, io_uring, the push path (onReceive + sendAndForget: no future per operation), 1 loop");
                case "jring-epoll" -> new Spec(name, Kind.JAVA, true, true, "jring, epoll reactor, 1 loop");
                case "netty-epoll" -> new Spec(name, Kind.JAVA, true, true, "Netty 4.2.18 native epoll, 1 event loop");
                case "netty-io_uring" -> new Spec(name, Kind.JAVA, true, true, "Netty 4.2.18 native io_uring, 1 event loop");
                case "nio" -> new Spec(name, Kind.JAVA, true, true, "JDK NIO Selector, 1 thread");
                case "tomcat-jdk" -> new Spec(name, Kind.JAVA, false, true,
                        "Tomcat 11 Http11Nio2Protocol on the JDK's NIO.2 provider (epoll), maxThreads=1, unlimited keep-alive");
                case "tomcat-jring" -> new Spec(name, Kind.JAVA, false, true,
                        "Tomcat 11 Http11Nio2Protocol on jring's NIO.2 provider (io_uring, 1 loop), maxThreads=1, unlimited keep-alive");
                case "jring-vt" -> new Spec(name, Kind.JAVA, true, true,
                        "jring blocking streams, a virtual thread per connection, 1 io_uring loop");
                case "jdk-vt" -> new Spec(name, Kind.JAVA, true, true,
                        "JDK ServerSocket/Socket, a virtual thread per connection (the JDK's epoll poller)");
                default -> throw new IllegalArgumentException(name);
            };
        }

        boolean serves(Options.Workload w) {
            return w.http() ? http : echo;
        }

        /**
         * 128 MiB for an event-loop server; 512 MiB for one that holds a thread per connection (a
         * virtual thread's stack, or Tomcat's per-connection state, is ~20 KiB of heap: 10,000 idle
         * connections would not fit in 128 MiB).
         */
        int heapMegabytes() {
            return name.endsWith("-vt") || name.startsWith("tomcat-") ? 512 : 128;
        }
    }

    final Spec spec;
    final Process process;
    final int echoPort;
    final int httpPort;
    final Path log;

    private final Toolchain tools;

    private Server(Spec spec, Process process, int echoPort, int httpPort, Path log, Toolchain tools) {
        this.tools = tools;
        this.spec = spec;
        this.process = process;
        this.echoPort = echoPort;
        this.httpPort = httpPort;
        this.log = log;
    }

    long pid() {
        return process.pid();
    }

    int port(Options.Workload w) {
        return w.http() ? httpPort : echoPort;
    }

    /** The environment a server start needs. */
    record Env(Toolchain tools, Path workDir, String java, String classPath, Ports ports) {}

    /** Starts the process; {@link #awaitReady} then waits for its ports. */
    static Server launch(Spec spec, Env env, String tag) throws IOException {
        int echoPort = env.ports().next();
        int httpPort = env.ports().next();
        Path log = env.workDir().resolve("servers").resolve(spec.name() + tag + ".log");
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>();
        switch (spec.kind()) {
            case JAVA -> {
                // A JVM starts in ~2 s of CPU; five of them on one CPU take five times that. They
                // start on every CPU, sized for one (ActiveProcessorCount), and are pinned once up.
                cmd.add(env.java());
                cmd.add("-Xms" + spec.heapMegabytes() + "m");
                cmd.add("-Xmx" + spec.heapMegabytes() + "m");
                cmd.addAll(JVM_FLAGS);
                if (env.tools().pinned()) {
                    cmd.add("-XX:ActiveProcessorCount=1");
                }
                cmd.addAll(List.of("-cp", env.classPath(), "io.jring.bench.server.BenchServer", spec.name(),
                        Integer.toString(echoPort), Integer.toString(httpPort)));
            }
            case C -> {
                String source = spec.name().equals("c-liburing") ? "uring_echo" : "epoll_echo";
                Toolchain.Result<Path> binary = spec.name().equals("c-liburing")
                        ? env.tools().compile(source, "uring") : env.tools().compile(source);
                if (!binary.ok()) {
                    throw new IOException(binary.reason());
                }
                cmd.addAll(env.tools().pin(1));
                cmd.addAll(List.of(binary.value().toString(), Integer.toString(echoPort)));
                if (spec.http()) {
                    cmd.add(Integer.toString(httpPort));
                }
            }
            case NGINX -> {
                if (env.tools().nginx.isEmpty()) {
                    throw new IOException("nginx is not installed (apt-get install nginx)");
                }
                Path dir = env.workDir().resolve("nginx" + tag);
                Files.createDirectories(dir.resolve("tmp"));
                Files.createDirectories(dir.resolve("logs"));
                Files.writeString(dir.resolve("nginx.conf"), nginxConfig(dir, httpPort));
                cmd.addAll(env.tools().pin(1));
                cmd.addAll(List.of(env.tools().nginx.get().toString(), "-p", dir.toString(), "-c",
                        dir.resolve("nginx.conf").toString(), "-e", dir.resolve("logs/error.log").toString()));
            }
        }
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Files.writeString(log, String.join(" ", cmd) + "\n");
        return new Server(spec, Children.start(builder), echoPort, httpPort, log, env.tools());
    }

    /** Waits until every port it serves accepts connections; throws with its log if it died. */
    void awaitReady(long timeoutMillis) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        List<Integer> ports = new ArrayList<>();
        if (spec.echo()) {
            ports.add(echoPort);
        }
        if (spec.http()) {
            ports.add(httpPort);
        }
        for (int port : ports) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException(spec.name() + " exited with " + process.exitValue() + ": " + tail());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    break;
                } catch (IOException e) {
                    if (System.currentTimeMillis() > deadline) {
                        stop();
                        throw new IOException(spec.name() + " did not listen on " + port + ": " + tail());
                    }
                    sleep(50);
                }
            }
        }
        if (tools.pinned()) {
            pin();
        }
    }

    /**
     * Pins every thread to the server CPU (threads started later inherit it from their creator),
     * then checks that each one really is: a figure from an unpinned server would be wrong.
     */
    private void pin() throws IOException {
        Toolchain.run(List.of(tools.taskset.get().toString(), "-a", "-p", "-c", "1", Long.toString(pid())));
        try (var tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid()), "task"))) {
            for (Path task : tasks) {
                for (String line : Files.readAllLines(task.resolve("status"))) {
                    if (line.startsWith("Cpus_allowed_list:") && !line.substring(18).trim().equals("1")) {
                        stop();
                        throw new IOException(spec.name() + " thread " + task.getFileName() + " is not pinned to CPU 1: " + line);
                    }
                }
            }
        }
    }

    /**
     * The live Java heap after a full GC, in KiB: asks the server (a {@code BenchServer}) on its
     * stdin and reads the answer from its log.
     */
    long liveHeapKib() throws IOException {
        long from = Files.size(log);
        var stdin = process.getOutputStream();
        stdin.write("heap\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        stdin.flush();
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.size(log) > from) {
                String fresh = Files.readString(log).substring((int) from);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("live-heap-kib (\\d+)\n").matcher(fresh);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
            sleep(20);
        }
        throw new IOException(spec.name() + " did not report its heap");
    }

    /** The last lines of its log, for error messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" / ", lines.subList(Math.max(1, lines.size() - 4), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    void stop() {
        Children.stop(process, 5000);
    }

    static String nginxConfig(Path dir, int port) {
        return """
                # Generated by ./jring bench compare: one process (the worker we measure), no logs per request.
                worker_processes 1;
                master_process off;
                daemon off;
                pid %1$s/nginx.pid;
                worker_rlimit_nofile 19000;
                events {
                    worker_connections 16384;
                    use epoll;
                    multi_accept on;
                }
                http {
                    access_log off;
                    server_tokens off;
                    # the default 1000 forces reconnects under load
                    keepalive_requests 100000000;
                    keepalive_timeout 600s;
                    tcp_nodelay on;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    server {
                        listen 127.0.0.1:%2$d backlog=4096;
                        location / {
                            default_type text/plain;
                            return 200 "Hello, World!";
                        }
                    }
                }
                """.formatted(dir, port);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ports 9100-9199 (the bench's range on shared machines), each checked free by binding it
     * without SO_REUSEADDR, so a listener lingering from an earlier run is never shared.
     */
    static final class Ports {
        private int next;
        private final int last;

        Ports(int first, int last) {
            this.next = first;
            this.last = last;
        }

        synchronized int next() throws IOException {
            while (next <= last) {
                int port = next++;
                try (ServerSocket probe = new ServerSocket()) {
                    probe.setReuseAddress(false);
                    probe.bind(new InetSocketAddress("127.0.0.1", port));
                    return port;
                } catch (IOException busy) {
                    // taken or lingering: try the next
                }
            }
            throw new IOException("no free port left in the bench range (9100-9199)");
        }
    }
}
