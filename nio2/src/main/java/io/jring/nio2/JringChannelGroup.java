package io.jring.nio2;

import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.ShutdownChannelGroupException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AsynchronousChannelGroup} on one {@link IoRuntime}: the runtime's loop threads do
 * the I/O, the group's executor runs every completion handler. Channels register here so that
 * {@link #shutdown()} knows when the last one has closed and {@link #shutdownNow()} can close
 * them all.
 */
final class JringChannelGroup extends AsynchronousChannelGroup {
    private static final System.Logger LOG = System.getLogger("io.jring.nio2");

    private final IoRuntime runtime;
    private final ExecutorService executor;
    /** Write timeouts (jring's send of pooled buffers has no deadline of its own). */
    private final ScheduledThreadPoolExecutor timers;
    private final Set<Closeable> channels = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private boolean shutdown;    // guarded by lock
    private boolean terminating; // guarded by lock
    private final CountDownLatch terminated = new CountDownLatch(1);

    private JringChannelGroup(JringAsynchronousChannelProvider provider, IoRuntime runtime, ExecutorService executor) {
        super(provider);
        this.runtime = runtime;
        this.executor = executor;
        this.timers = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "jring-nio2-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.timers.setRemoveOnCancelPolicy(true);
    }

    /** Opens the runtime; on failure the executor, which the group was to own, is shut down. */
    static JringChannelGroup open(JringAsynchronousChannelProvider provider, IoRuntimeOptions options,
                                  ExecutorService executor) throws IOException {
        try {
            return new JringChannelGroup(provider, IoRuntime.open(options), executor);
        } catch (IOException | RuntimeException e) {
            executor.shutdown();
            throw e;
        }
    }

    IoRuntime runtime() {
        return runtime;
    }

    /**
     * The group whose handler the current thread is running, and how deep handlers it ran
     * directly are nested on its stack: set only around handlers this group dispatched, so it
     * marks exactly the group's pooled threads while they run its handlers.
     */
    private static final ThreadLocal<HandlerDepth> RUNNING = new ThreadLocal<>();
    /** How many handlers may nest on one stack, as the JDK bounds it (sun.nio.ch.maxCompletionHandlersOnStack). */
    private static final int MAX_DIRECT_DEPTH = 16;

    private static final class HandlerDepth {
        final JringChannelGroup group;
        int depth;

        HandlerDepth(JringChannelGroup group) {
            this.group = group;
        }
    }

    /**
     * Runs a handler of an operation that completed at once: on this thread if it is one of
     * the group's pooled threads running a handler (the specification allows it, and it saves
     * a hand-off), within a bounded depth; otherwise through {@link #dispatch}. The caller must
     * hold no lock the loop threads need: the handler may run for long.
     */
    void runOrDispatch(Runnable handlerCall) {
        HandlerDepth running = RUNNING.get();
        if (running == null || running.group != this || running.depth >= MAX_DIRECT_DEPTH) {
            dispatch(handlerCall);
            return;
        }
        running.depth++;
        try {
            handlerCall.run();
        } catch (RuntimeException | Error e) {
            // As on a pooled thread of its own: the handler's failure stays the handler's.
            LOG.log(System.Logger.Level.WARNING, "a completion handler threw", e);
        } finally {
            running.depth--;
        }
    }

    /** Runs a completion handler on the group's executor. */
    void dispatch(Runnable handlerCall) {
        Runnable marked = () -> {
            HandlerDepth outer = RUNNING.get();
            RUNNING.set(new HandlerDepth(this));
            try {
                handlerCall.run();
            } finally {
                RUNNING.set(outer);
            }
        };
        try {
            executor.execute(marked);
        } catch (RejectedExecutionException e) {
            // Only when the user shut the executor down behind the group's back: the operation
            // still ends once, on a thread of its own, rather than never.
            LOG.log(System.Logger.Level.WARNING, "the group's executor refused a completion handler ("
                    + e.getMessage() + "); running it on a new thread. Shut the group down, not its executor.");
            Thread.ofPlatform().daemon().name("jring-nio2-handler").start(marked);
        }
    }

    ScheduledFuture<?> schedule(Runnable task, long nanos) {
        return timers.schedule(task, nanos, TimeUnit.NANOSECONDS);
    }

    /** Adds a new channel; refused once the group is shut down. */
    void register(Closeable channel) {
        synchronized (lock) {
            if (shutdown) {
                throw new ShutdownChannelGroupException();
            }
            channels.add(channel);
        }
    }

    /** Adds a channel an open server channel accepted: allowed until the group terminates. */
    void registerAccepted(Closeable channel) {
        synchronized (lock) {
            if (terminating) {
                throw new ShutdownChannelGroupException();
            }
            channels.add(channel);
        }
    }

    void deregister(Closeable channel) {
        synchronized (lock) {
            channels.remove(channel);
            if (shutdown && channels.isEmpty()) {
                startTermination();
            }
        }
    }

    @Override
    public boolean isShutdown() {
        synchronized (lock) {
            return shutdown;
        }
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public void shutdown() {
        synchronized (lock) {
            shutdown = true;
            if (channels.isEmpty()) {
                startTermination();
            }
        }
    }

    @Override
    public void shutdownNow() throws IOException {
        shutdown();
        for (Closeable channel : List.copyOf(channels)) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a channel at shutdownNow", e);
            }
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /**
     * Closes the runtime first (its loops end every operation, and so dispatch every handler
     * still owed), then shuts the executor down and waits for the handlers running on it. On a
     * thread of its own: the last close may come from a handler, which must not wait for itself.
     */
    private void startTermination() {
        if (terminating) {
            return;
        }
        terminating = true;
        Thread.ofPlatform().daemon().name("jring-nio2-group-termination").start(() -> {
            try {
                runtime.close();
                timers.shutdownNow();
                executor.shutdown();
                while (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    LOG.log(System.Logger.Level.INFO, "channel group waits for completion handlers still running");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                terminated.countDown();
            }
        });
    }
}
