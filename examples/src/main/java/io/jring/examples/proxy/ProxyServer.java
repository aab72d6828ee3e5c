package io.jring.examples.proxy;

import io.jring.IoRuntime;
import io.jring.Listener;
import io.jring.examples.Args;
import io.jring.examples.TlsFlags;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy: every connection accepted on {@code --port} is joined to a new connection to
 * {@code --upstream}, and bytes flow both ways until both sides are done. A slow side slows the
 * other instead of piling up memory, and an end of stream or a reset on either side is passed on.
 *
 * <pre>./jring example proxy --port 9000 --upstream HOST:PORT [--backend io_uring|epoll] [--threads N]
 *     [--host 127.0.0.1] [--connect-timeout-ms MS] [--idle-timeout-ms MS]
 *     [--tls | --tls-cert CHAIN.pem --tls-key KEY.pem]   (terminates TLS: upstream gets plaintext)</pre>
 *
 * Each client becomes a {@link ProxySession}; its two directions are {@link Pump}s.
 */
public final class ProxyServer {
    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("proxy", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        TlsFlags tls = TlsFlags.fromArgs(argv); // TLS terminated here; upstream gets plaintext
        Args args = Args.parse(tls.rest(), "port", "host", "upstream", "backend", "threads", "connect-timeout-ms",
                "idle-timeout-ms");
        InetSocketAddress upstream = parseUpstream(args.get("upstream", null));
        Duration connectTimeout = positiveMillis(args, "connect-timeout-ms", 10_000);
        Duration idleTimeout = positiveMillis(args, "idle-timeout-ms", 60_000);
        InetSocketAddress address = new InetSocketAddress(args.get("host", "127.0.0.1"), args.getInt("port", 9000));
        CountDownLatch stopped = new CountDownLatch(1);
        try (IoRuntime runtime = IoRuntime.open(args.runtimeOptions())) {
            Listener listener = runtime.listen(address);
            listener.onAccept(client -> tls.accept(client,
                    c -> ProxySession.start(c, runtime, upstream, connectTimeout, idleTimeout)));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                listener.close().join();
                runtime.close(); // closes both sides of every session; their pumps end quietly
                stopped.countDown();
            }));
            System.out.println("proxy listening on " + listener.localAddress() + " upstream="
                    + ProxySession.format(upstream) + " backend=" + runtime.backend()
                    + runtime.fallbackReason().map(r -> " (" + r + ")").orElse("") + tls.describe());
            stopped.await();
        }
    }

    private static Duration positiveMillis(Args args, String name, int fallback) {
        int ms = args.getInt(name, fallback);
        if (ms <= 0) {
            throw new IllegalArgumentException("--" + name + " must be positive, got " + ms);
        }
        return Duration.ofMillis(ms);
    }

    /**
     * {@code HOST:PORT}, with an IPv6 host in brackets ({@code [::1]:8080}). The name is resolved
     * once, here, so a typo fails at start rather than on every client, and no client waits on DNS.
     */
    static InetSocketAddress parseUpstream(String text) {
        if (text == null) {
            throw new IllegalArgumentException("--upstream HOST:PORT is required: where to forward connections to");
        }
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("--upstream: write an IPv6 host in brackets, like [::1]:8080; got '"
                    + text + "'");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--upstream takes HOST:PORT, like 127.0.0.1:8080; got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--upstream port must be a number from 1 to 65535; got '" + text + "'");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("--upstream: cannot resolve host '" + host + "'");
        }
        return address;
    }

    private ProxyServer() {}
}
