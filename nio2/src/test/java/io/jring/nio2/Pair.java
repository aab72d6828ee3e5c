package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.spi.AsynchronousChannelProvider;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A group on the caller's executor (threads named {@code handler-pool-N}), a server bound to
 * loopback, and one connection through it: {@link #client} and {@link #accepted}.
 */
final class Pair implements AutoCloseable {
    static final String POOL_PREFIX = "handler-pool-";
    static final long WAIT_SECONDS = 10;

    final Flavor flavor;
    final AsynchronousChannelProvider provider;
    final ExecutorService executor;
    final AsynchronousChannelGroup group;
    final AsynchronousServerSocketChannel server;
    AsynchronousSocketChannel client;
    AsynchronousSocketChannel accepted;

    private Pair(Flavor flavor, InetAddress host) throws Exception {
        this.flavor = flavor;
        this.provider = flavor.provider();
        this.executor = Executors.newFixedThreadPool(4, named(POOL_PREFIX));
        this.group = provider.openAsynchronousChannelGroup(executor, 0);
        this.server = provider.openAsynchronousServerSocketChannel(group).bind(new InetSocketAddress(host, 0));
    }

    /** A group and a bound server, no connection yet. */
    static Pair serverOnly(Flavor flavor) throws Exception {
        return new Pair(flavor, InetAddress.getLoopbackAddress());
    }

    static Pair open(Flavor flavor) throws Exception {
        return open(flavor, InetAddress.getLoopbackAddress());
    }

    static Pair open(Flavor flavor, InetAddress host) throws Exception {
        Pair pair = new Pair(flavor, host);
        try {
            pair.connect();
        } catch (Exception e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    void connect() throws Exception {
        Future<AsynchronousSocketChannel> accept = server.accept();
        client = newChannel();
        client.connect(server.getLocalAddress()).get(WAIT_SECONDS, TimeUnit.SECONDS);
        accepted = accept.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    AsynchronousSocketChannel newChannel() throws IOException {
        return provider.openAsynchronousSocketChannel(group);
    }

    static ThreadFactory named(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Closes everything and requires the group to terminate (which also ends the executor). */
    @Override
    public void close() throws Exception {
        group.shutdownNow();
        assertTrue(group.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS), flavor + ": group did not terminate");
        assertTrue(executor.isShutdown(), flavor + ": terminating the group must shut its executor down");
    }
}
