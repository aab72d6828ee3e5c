package io.jring.examples.proxy;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One accepted client joined to its own connection to the upstream, with a {@link Pump} for each
 * direction. How it ends:
 *
 * <ul>
 *   <li><b>End of stream</b> on one side is passed on as a half-close and the other direction
 *       keeps flowing; once both directions have ended, both connections are closed.
 *   <li><b>Any failure</b> (a reset, a send to a peer that is gone) closes both connections at
 *       once. Closing fails the other direction's pending receive or send, which lands here again
 *       and is ignored: a session is torn down exactly once.
 *   <li><b>No upstream</b> (refused, unreachable, too slow to connect): the client is closed and
 *       one line says why; nothing else is affected.
 *   <li><b>Idle</b>: no bytes received or sent, in either direction, for {@code idleTimeout}.
 *       Both connections are closed and one line says so. A send the peer does not read counts
 *       as no bytes moving, so a session stalled by a peer that stopped reading ends too, and
 *       gives back the buffer it held.
 * </ul>
 *
 * <p>The client lives on the loop that accepted it, the upstream connection on whichever loop
 * {@link IoRuntime#connect} picks, so the two pumps' callbacks may run on two threads. Each pump
 * touches only its own connections' futures; what they share here is atomic.
 */
final class ProxySession {
    private final Connection client;
    private final Connection upstream;
    private final String name;
    private final AtomicInteger directionsFlowing = new AtomicInteger(2);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Duration idleTimeout;
    /** System.nanoTime() when bytes last moved; written by both pumps, which may run on two loops. */
    private volatile long lastMoved = System.nanoTime();

    private ProxySession(Connection client, Connection upstream, String name, Duration idleTimeout) {
        this.client = client;
        this.upstream = upstream;
        this.name = name;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Connects to {@code upstreamAddress} for {@code client}, then starts pumping. Runs on the
     * client's loop and returns at once; the client's bytes wait in the kernel until the
     * upstream answers.
     */
    static void start(Connection client, IoRuntime runtime, InetSocketAddress upstreamAddress, Duration connectTimeout,
                      Duration idleTimeout) {
        String name = peer(client) + " -> " + format(upstreamAddress);
        runtime.connect(upstreamAddress, connectTimeout).whenComplete((upstream, error) -> {
            if (error != null) {
                Throwable cause = unwrap(error);
                if (!(cause instanceof ConnectionClosedException)) { // not just the proxy shutting down
                    log(name, "cannot reach the upstream, closing the client: " + describe(cause));
                }
                client.close();
                return;
            }
            ProxySession session = new ProxySession(client, upstream, name, idleTimeout);
            new Pump(client, upstream, session, "client->upstream").start();
            new Pump(upstream, client, session, "upstream->client").start();
            session.checkIdleIn(idleTimeout.toNanos());
        });
    }

    /** A pump received or sent something (or passed on an end of stream): the session is not idle. */
    void moved() {
        lastMoved = System.nanoTime();
    }

    private void checkIdleIn(long delayNanos) {
        // The runtime offers no timer; the JDK's delayer thread only hands the check to the client's loop.
        CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, client.executor()).execute(this::checkIdle);
    }

    /** One timer per session, re-armed for when the session would next be idle long enough. */
    private void checkIdle() {
        if (closed.get() || !client.isOpen()) {
            return; // ended already, or the runtime closed it on shutdown: nothing idle to report
        }
        long idle = System.nanoTime() - lastMoved;
        long left = idleTimeout.toNanos() - idle;
        if (left > 0) {
            checkIdleIn(left);
        } else if (closeBoth()) {
            // Closing fails both pumps' pending operations with ConnectionClosedException: no further line.
            log(name, "no bytes either way for " + TimeUnit.NANOSECONDS.toMillis(idle) + " ms (--idle-timeout-ms "
                    + idleTimeout.toMillis() + "); closed both sides");
        }
    }

    /** A pump passed on its side's end of stream; the second one to do so ends the session. */
    void directionEnded() {
        if (directionsFlowing.decrementAndGet() == 0) {
            closeBoth();
        }
    }

    /**
     * A receive, send or shutdown of {@code direction} failed: nothing more can flow, on either
     * side. The error's message names the call and the errno, so the log line says which one.
     */
    void abort(String direction, Throwable error) {
        Throwable cause = unwrap(error);
        if (closeBoth() && !(cause instanceof ConnectionClosedException)) {
            log(name, direction + ": " + describe(cause) + "; closed both sides");
        }
    }

    /** Closes both connections the first time it is called; true only then. */
    private boolean closeBoth() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        client.close();
        upstream.close();
        return true;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The runtime's own messages say it all: a NativeIoException names the call and the errno. */
    private static String describe(Throwable cause) {
        boolean runtimeMessage = cause instanceof IOException || cause instanceof TimeoutException;
        return runtimeMessage && cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    /**
     * The client's address, read once at accept: a peer that has already reset the connection
     * has no address any more (getpeername answers ENOTCONN).
     */
    private static String peer(Connection client) {
        try {
            return client.remoteAddress() instanceof InetSocketAddress inet ? format(inet)
                    : String.valueOf(client.remoteAddress());
        } catch (IllegalStateException e) {
            return "a client already gone";
        }
    }

    static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static void log(String session, String message) {
        System.err.println("proxy: " + session + ": " + message);
    }
}
