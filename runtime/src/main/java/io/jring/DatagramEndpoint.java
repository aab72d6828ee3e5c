package io.jring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A bound UDP socket ({@link IoRuntime#bindDatagram}), owned by one event loop for its whole
 * life. Threads, deadlines and cancel work as on a {@link Connection}: any method from any
 * thread, futures complete on the loop thread, a {@link Duration} form fails with
 * {@link java.util.concurrent.TimeoutException}, and {@code future.cancel(true)} cancels the
 * kernel operation.
 *
 * <p>Each receive completes with one whole datagram and each send sends one, in call order.
 * UDP itself may drop, duplicate or reorder datagrams between hosts, and a receiver's kernel
 * drops what its receive buffer ({@code SO_RCVBUF}) cannot hold: jring adds no loss of its
 * own, but cannot take that away.
 */
public interface DatagramEndpoint {
    /**
     * Receives the next datagram: its payload in a pooled buffer you own and must release, its
     * sender, and whether it was truncated. A 0-byte datagram is an empty payload. Fails with
     * {@link NativeIoException} for an error the socket reports (ECONNREFUSED on a connected
     * endpoint whose peer's port is closed; the next receive goes on), and with
     * {@link ConnectionClosedException} once the endpoint is closed.
     *
     * @return the next datagram
     */
    CompletableFuture<Datagram> recv();

    /**
     * {@link #recv()} with a deadline; a datagram that arrives after it goes to the next receive.
     *
     * @param timeout how long to wait
     * @return the next datagram, or a failure with {@link java.util.concurrent.TimeoutException}
     */
    CompletableFuture<Datagram> recv(Duration timeout);

    /**
     * Sends the buffer's readable bytes as one datagram to {@code target}. Takes ownership: the
     * buffer is released when the send ends, however it ends. A datagram over 65,507 bytes
     * (IPv4) fails with EMSGSIZE.
     *
     * @param target where to send it
     * @param payload the datagram's bytes (taken)
     * @return completes when the kernel has taken the datagram
     */
    CompletableFuture<Void> send(InetSocketAddress target, IoBuffer payload);

    /**
     * {@link #send(InetSocketAddress, IoBuffer)} with a deadline.
     *
     * @param target where to send it
     * @param payload the datagram's bytes (taken)
     * @param timeout how long the send may wait its turn and the kernel
     * @return completes when the kernel has taken the datagram, or fails with
     *     {@link java.util.concurrent.TimeoutException}
     */
    CompletableFuture<Void> send(InetSocketAddress target, IoBuffer payload, Duration timeout);

    /**
     * Sends a copy of the segment's bytes as one datagram to {@code target}; you may free the
     * segment at once.
     *
     * @param target where to send it
     * @param payload the datagram's bytes (copied)
     * @return completes when the kernel has taken the datagram
     */
    CompletableFuture<Void> send(InetSocketAddress target, MemorySegment payload);

    /**
     * Sends a copy of {@code payload} as one datagram to {@code target}.
     *
     * @param target where to send it
     * @param payload the datagram's bytes (copied)
     * @return completes when the kernel has taken the datagram
     */
    default CompletableFuture<Void> send(InetSocketAddress target, byte[] payload) {
        return send(target, MemorySegment.ofArray(payload));
    }

    /**
     * Sends to the peer fixed by {@link #connect}.
     *
     * @param payload the datagram's bytes (taken)
     * @return completes when the kernel has taken the datagram
     * @throws IllegalStateException before {@link #connect}
     */
    CompletableFuture<Void> send(IoBuffer payload);

    /**
     * Sends a copy of the segment's bytes to the peer fixed by {@link #connect}.
     *
     * @param payload the datagram's bytes (copied)
     * @return completes when the kernel has taken the datagram
     * @throws IllegalStateException before {@link #connect}
     */
    CompletableFuture<Void> send(MemorySegment payload);

    /**
     * Sends a copy of {@code payload} to the peer fixed by {@link #connect}.
     *
     * @param payload the datagram's bytes (copied)
     * @return completes when the kernel has taken the datagram
     * @throws IllegalStateException before {@link #connect}
     */
    default CompletableFuture<Void> send(byte[] payload) {
        return send(MemorySegment.ofArray(payload));
    }

    /**
     * Fixes the peer (connect(2) on the UDP socket): from now on the kernel delivers only
     * datagrams from {@code peer}, and {@link #send(IoBuffer)} sends to it. Datagrams from
     * others that were already queued before the call are still delivered. The call runs on the
     * loop thread and waits for it.
     *
     * @param peer the only address to exchange datagrams with
     * @return this endpoint
     * @throws NativeIoException         connect failed (the message names the errno)
     * @throws ConnectionClosedException the endpoint is closed
     */
    DatagramEndpoint connect(InetSocketAddress peer) throws IOException;

    /**
     * Sets a socket option: {@code SO_BROADCAST}, {@code SO_RCVBUF}, {@code SO_SNDBUF},
     * {@code IP_TOS}, {@code IP_MULTICAST_TTL} and {@code IP_MULTICAST_LOOP} (their IPv6 forms
     * on an IPv6 socket), with the JDK's {@link java.net.StandardSocketOptions} meanings.
     *
     * @param <T> the option's value type
     * @param option the option
     * @param value its new value
     * @return this endpoint
     * @throws UnsupportedOperationException another option; the message lists the supported ones
     * @throws IllegalArgumentException      a value the option does not take
     * @throws IOException                   setsockopt failed ({@link NativeIoException}), or the
     *                                       endpoint is closed ({@link ConnectionClosedException})
     */
    <T> DatagramEndpoint setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * An option's value as the kernel reports it (Linux doubles SO_RCVBUF and SO_SNDBUF).
     *
     * @param <T> the option's value type
     * @param option one of the options {@link #setOption} takes
     * @return its value
     * @throws IOException getsockopt failed, or the endpoint is closed
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /** {@return a buffer of the endpoint's loop pool ({@link IoRuntimeOptions#bufferSize()} bytes) to fill and send} */
    IoBuffer allocate();

    /** {@return the bound address (with the port the kernel chose for port 0)} */
    InetSocketAddress localAddress();

    /** {@return the peer fixed by {@link #connect}, or null} */
    InetSocketAddress remoteAddress();

    /**
     * Closes the endpoint: receives and sends still pending fail with
     * {@link ConnectionClosedException}, datagrams received and not yet taken are released, and
     * the socket is closed once the kernel has returned every buffer. Idempotent.
     *
     * @return completes when the socket is closed
     */
    CompletableFuture<Void> close();

    /** {@return whether the endpoint is open (close() not called yet)} */
    boolean isOpen();

    /** {@return an executor running tasks on this endpoint's loop thread} */
    Executor executor();
}
