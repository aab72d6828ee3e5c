package io.jring.nio2;

import io.jring.IoRuntimeOptions;
import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.IllegalChannelGroupException;
import java.nio.channels.spi.AsynchronousChannelProvider;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * java.nio's asynchronous channels on jring: existing NIO.2 code (AsynchronousSocketChannel,
 * AsynchronousServerSocketChannel, AsynchronousChannelGroup) runs on io_uring, or on epoll
 * where io_uring is missing, unchanged.
 *
 * <p>Select it with {@code -Djava.nio.channels.spi.AsynchronousChannelProvider=io.jring.nio2.JringAsynchronousChannelProvider},
 * or just put the jring-nio2 jar on the class path (it is registered in META-INF/services), or
 * use an instance directly: {@code provider.openAsynchronousSocketChannel(group)}.
 *
 * <p>Each group is one {@link io.jring.IoRuntime}: its loop threads do the I/O, the group's
 * executor runs the completion handlers (the caller's {@code ExecutorService} for
 * {@code withThreadPool}/{@code withCachedThreadPool}, threads of the given factory for
 * {@code withFixedThreadPool}). The default group's runtime opens on first use, with daemon
 * handler threads ({@code java.nio.channels.DefaultThreadPool.threadFactory} names another
 * factory class, as for the JDK's provider).
 */
public final class JringAsynchronousChannelProvider extends AsynchronousChannelProvider {
    private final IoRuntimeOptions options;
    private final Object defaultGroupLock = new Object();
    private JringChannelGroup defaultGroup; // guarded by defaultGroupLock

    /** The provider with {@link IoRuntimeOptions#defaults()}: what the JDK's provider lookup creates. */
    public JringAsynchronousChannelProvider() {
        this(IoRuntimeOptions.defaults());
    }

    /** A provider whose groups open runtimes with {@code options} (loops, backend, buffers). */
    public JringAsynchronousChannelProvider(IoRuntimeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public AsynchronousChannelGroup openAsynchronousChannelGroup(int nThreads, ThreadFactory threadFactory)
            throws IOException {
        if (nThreads <= 0) {
            throw new IllegalArgumentException("'nThreads' must be > 0, got " + nThreads);
        }
        Objects.requireNonNull(threadFactory, "threadFactory");
        return JringChannelGroup.open(this, options, Executors.newFixedThreadPool(nThreads, threadFactory));
    }

    /** {@code initialSize} is a hint for the JDK's own pool; jring's loops do the I/O, so it is not used. */
    @Override
    public AsynchronousChannelGroup openAsynchronousChannelGroup(ExecutorService executor, int initialSize)
            throws IOException {
        Objects.requireNonNull(executor, "executor");
        return JringChannelGroup.open(this, options, executor);
    }

    @Override
    public AsynchronousServerSocketChannel openAsynchronousServerSocketChannel(AsynchronousChannelGroup group)
            throws IOException {
        return new JringServerSocketChannel(this, groupFor(group));
    }

    @Override
    public AsynchronousSocketChannel openAsynchronousSocketChannel(AsynchronousChannelGroup group)
            throws IOException {
        return new JringSocketChannel(this, groupFor(group));
    }

    private JringChannelGroup groupFor(AsynchronousChannelGroup group) throws IOException {
        if (group == null) {
            return defaultGroup();
        }
        if (group instanceof JringChannelGroup jring) {
            return jring;
        }
        throw new IllegalChannelGroupException();
    }

    private JringChannelGroup defaultGroup() throws IOException {
        synchronized (defaultGroupLock) {
            if (defaultGroup == null) {
                defaultGroup = JringChannelGroup.open(this, options, Executors.newCachedThreadPool(defaultThreadFactory()));
            }
            return defaultGroup;
        }
    }

    /** The factory named by {@code java.nio.channels.DefaultThreadPool.threadFactory}, else daemon threads. */
    private static ThreadFactory defaultThreadFactory() {
        String name = System.getProperty("java.nio.channels.DefaultThreadPool.threadFactory");
        if (name != null) {
            try {
                Class<?> type = Class.forName(name, true, ClassLoader.getSystemClassLoader());
                return (ThreadFactory) type.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new Error("java.nio.channels.DefaultThreadPool.threadFactory=" + name
                        + " is not a ThreadFactory with a public no-argument constructor", e);
            }
        }
        return task -> {
            Thread thread = new Thread(task, "jring-nio2-default-group");
            thread.setDaemon(true);
            return thread;
        };
    }
}
