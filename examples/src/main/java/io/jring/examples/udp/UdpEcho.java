package io.jring.examples.udp;

import io.jring.Datagram;
import io.jring.DatagramEndpoint;
import io.jring.IoRuntime;
import io.jring.examples.Args;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A UDP echo: every datagram (0 to 65,507 bytes) goes back, byte for byte, to whoever sent it.
 *
 * <pre>./jring example udp-echo --port 7001 [--backend io_uring|epoll] [--host 127.0.0.1]</pre>
 *
 * Try it with {@code nc -u 127.0.0.1 7001}.
 */
public final class UdpEcho {
    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("udp-echo", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        Args args = Args.parse(argv, "port", "host", "backend", "threads");
        InetSocketAddress address = new InetSocketAddress(args.get("host", "127.0.0.1"), args.getInt("port", 7001));
        CountDownLatch stopped = new CountDownLatch(1);
        try (IoRuntime runtime = IoRuntime.open(args.runtimeOptions())) {
            DatagramEndpoint endpoint = runtime.bindDatagram(address);
            echo(endpoint);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                endpoint.close().join();
                runtime.close();
                stopped.countDown();
            }));
            System.out.println("udp-echo bound to " + endpoint.localAddress() + " backend=" + runtime.backend()
                    + runtime.fallbackReason().map(r -> " (" + r + ")").orElse(""));
            stopped.await();
        }
    }

    /**
     * One receive, then the same payload back to its sender (the send takes the buffer), then
     * the next receive. A failed send (the sender's port closed, say) costs that datagram only.
     */
    static void echo(DatagramEndpoint endpoint) {
        CompletableFuture<Datagram> received = endpoint.recv();
        boolean failedAtOnce = received.isCompletedExceptionally(); // no buffer free right now, say
        received.whenComplete((datagram, error) -> {
            if (error != null) {
                if (!endpoint.isOpen()) {
                    return;
                }
                if (failedAtOnce) {
                    // Try again a millisecond later: calling ourselves here would recurse without end.
                    CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS).execute(() -> echo(endpoint));
                } else {
                    echo(endpoint); // an error the socket reported (ICMP); the endpoint goes on
                }
                return;
            }
            endpoint.send(datagram.sender(), datagram.payload()).whenComplete((ok, sendError) -> echo(endpoint));
        });
    }

    private UdpEcho() {}
}
