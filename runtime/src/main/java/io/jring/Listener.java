package io.jring;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A listening TCP socket, or one per loop bound to the same port with {@code SO_REUSEPORT}
 * (the default), so the kernel spreads connections over the loops and wakes only one. A Unix
 * domain listener is always one socket that every loop accepts from (SO_REUSEPORT does not
 * spread AF_UNIX); its socket file is removed when it closes.
 */
public interface Listener {
    /**
     * The next connection, whichever loop's socket the kernel gave it to (with SO_REUSEPORT the
     * kernel picks the socket); it lives on that socket's loop. With SO_REUSEPORT each socket
     * keeps one accept armed while accept()s wait, so up to one connection per loop may be
     * accepted ahead and kept for the next accept() (closed if the listener closes first).
     * Out of descriptors or socket memory it waits and retries, as {@link #onAccept} does.
     *
     * @return the accepted connection; fails with {@link ConnectionClosedException} if the
     *     listener closes first
     */
    CompletableFuture<Connection> accept();

    /**
     * {@link #accept()} with a deadline.
     *
     * @param timeout how long to wait for a connection
     * @return the accepted connection; fails with {@link java.util.concurrent.TimeoutException}
     *     when none arrived in time (the accept is cancelled; a connection the kernel gives it
     *     afterwards goes to the next accept)
     */
    CompletableFuture<Connection> accept(Duration timeout);

    /**
     * {@link #accept()} for blocking code, like {@link java.net.ServerSocket#accept()}: parks the
     * calling thread (a virtual thread unmounts) until a connection arrives. Interrupting it
     * cancels the accept and throws {@link java.io.InterruptedIOException} (the thread's
     * interrupt status stays set); a listener closed meanwhile throws
     * {@link ConnectionClosedException}. On a jring loop thread it throws
     * {@link IllegalStateException}: chain on {@link #accept()} or use {@link #onAccept} there.
     *
     * @return the accepted connection
     * @throws java.io.IOException the accept failed, was interrupted, or the listener closed
     */
    default Connection acceptBlocking() throws java.io.IOException {
        return acceptBlocking(null);
    }

    /**
     * {@link #acceptBlocking()} waiting at most {@code timeout}, like
     * {@link java.net.ServerSocket#setSoTimeout}: then it throws
     * {@link java.net.SocketTimeoutException} and the listener goes on.
     *
     * @param timeout positive, or null to wait as long as it takes
     * @return the accepted connection
     * @throws java.io.IOException the accept failed, timed out, was interrupted, or the listener closed
     */
    default Connection acceptBlocking(Duration timeout) throws java.io.IOException {
        Blocking.checkTimeout(timeout);
        Blocking.refuseOnLoopThread("Listener.acceptBlocking");
        CompletableFuture<Connection> accepting = timeout == null ? accept() : accept(timeout);
        // A connection accepted just as the thread was interrupted has nobody to serve it: close it.
        return Blocking.await(accepting, "Listener.acceptBlocking", Connection::close);
    }

    /**
     * Pushes every new connection to {@code handler}, on the loop that owns it, until the
     * listener closes. io_uring keeps a multishot accept armed per loop where the kernel has
     * it, and re-arms a single-shot accept where not; epoll accepts until EAGAIN on readiness.
     * The handler must not block; if it throws, that connection is closed and accepting goes on.
     *
     * {@snippet file="io/jring/snippets/ApiSnippets.java" region="echo-server"}
     *
     * <p>When the process or the system runs out of descriptors or socket memory (EMFILE,
     * ENFILE, ENOBUFS, ENOMEM) accepting pauses and is retried on a timer (10 ms, doubling up
     * to 1 s) until a connection is accepted again; new connections wait in the listen backlog
     * meanwhile. One WARNING names the errno and the limit to raise when that starts, one INFO
     * says when it ends. The same holds for {@link #accept()}.
     *
     * @return a future that completes normally once the listener (or the runtime) has closed
     *     and every loop stopped accepting, or exceptionally, with a {@link NativeIoException}
     *     naming {@code accept} and the errno, if a loop's accepting fails for good (an error
     *     about the listening socket itself, such as EBADF or EINVAL; that is also logged as a
     *     WARNING). Its stages run on a loop thread. Ignoring it is fine.
     * @param handler called with each new connection, on that connection's loop thread
     */
    CompletableFuture<Void> onAccept(Consumer<Connection> handler);

    /**
     * The address the listener is bound to.
     *
     * @return the bound address: an {@link java.net.InetSocketAddress} with the real port when
     *     0 was asked for, or the {@link java.net.UnixDomainSocketAddress} or
     *     {@link AbstractUnixAddress} it was given
     */
    SocketAddress localAddress();

    /**
     * Stops accepting: pending accepts fail with {@link ConnectionClosedException}; accepted
     * connections stay open. A Unix listener's socket file is removed once the socket is closed
     * (if it is still the file this listener bound; closing the runtime does the same).
     *
     * @return completes once every loop's listening socket is closed
     */
    CompletableFuture<Void> close();
}
