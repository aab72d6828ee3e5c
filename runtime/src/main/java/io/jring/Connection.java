package io.jring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A TCP connection, owned by one event loop for its whole life.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. Futures complete on the
 * connection's loop thread, and stages you chain with {@code thenApply}/{@code thenAccept}
 * run there too: keep them short and never block in them, or the loop and every connection
 * on it stall. To do slow work, chain with an executor:
 * {@code conn.recv().thenAcceptAsync(this::slowWork, myExecutor)}.
 *
 * <p><b>Order.</b> Sends leave in the order they were called (one at a time, each complete
 * before the next starts, so concurrent senders never interleave bytes); so do receives.
 *
 * <p><b>Deadlines and cancel.</b> Methods taking a {@link Duration} fail with
 * {@link java.util.concurrent.TimeoutException} when it passes. {@code future.cancel(true)}
 * cancels the kernel operation; any buffer involved stays the runtime's until the kernel
 * confirms.
 */
public interface Connection {
    /**
     * Receives what has arrived, up to one pooled buffer's worth, into a buffer you own and
     * must {@link IoBuffer#release() release}. When the peer has shut down its output, the
     * result is {@link IoBuffer#END_OF_STREAM} (check {@link IoBuffer#isEndOfStream()}), not an
     * exception. A reset connection fails with {@link NativeIoException} (ECONNRESET).
     *
     * <p>Receives complete in call order. Between them, on io_uring 6.0+, the connection keeps
     * receiving into at most a few buffers (the README explains how many and why), which the next
     * receives return first; beyond that, data waits in the socket. Cancelling a receive never
     * loses data: what it would have returned goes to the next one. (A cancelled
     * {@code recv(into)} that lost the race to its data leaves the bytes in {@code into}, after
     * the writer index it had.)
     */
    CompletableFuture<IoBuffer> recv();

    /** {@link #recv()} with a deadline. */
    CompletableFuture<IoBuffer> recv(Duration timeout);

    /**
     * Receives into {@code into} after its writer index, which advances. Completes with the
     * count, or -1 at end of stream. {@code into} must not be touched until then.
     */
    CompletableFuture<Integer> recv(IoBuffer into);

    CompletableFuture<Integer> recv(IoBuffer into, Duration timeout);

    /**
     * Sends the buffer's readable bytes, completing once all are written (short writes are
     * continued). Takes ownership: the buffer is released when the send ends, however it ends.
     */
    CompletableFuture<Void> send(IoBuffer buffer);

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}, in order with the other
     * sends, without copying them into Java memory: SPLICE through a pipe on io_uring (READ and
     * SEND of one pooled block where the ring lacks SPLICE), {@code sendfile(2)} on the blocking
     * pool on epoll. A peer that does not read holds at most the socket's send buffer and one
     * pipe (1 MiB) or block. Completes with the bytes sent: {@code count}, or fewer if the file
     * ends first. The file stays open until the send ends, even if it is closed meanwhile.
     */
    CompletableFuture<Long> sendFile(AsyncFile file, long position, long count);

    CompletableFuture<Long> sendFile(AsyncFile file, long position, long count, Duration timeout);

    CompletableFuture<Void> send(IoBuffer buffer, Duration timeout);

    /**
     * Sends a segment's bytes. A native segment is read in place and must stay alive until the
     * future completes; a heap segment is copied first.
     */
    CompletableFuture<Void> send(MemorySegment bytes);

    /** Convenience: sends a copy of {@code bytes}. */
    default CompletableFuture<Void> send(byte[] bytes) {
        return send(MemorySegment.ofArray(bytes));
    }

    /**
     * Gathers several buffers into one sendmsg; takes ownership of all of them. Takes up to
     * {@code min(1024, (bufferSize - 56) / 16)} buffers (1020 with the default 16 KiB buffers);
     * more fail the future with IllegalArgumentException, and the buffers are still released.
     */
    CompletableFuture<Void> sendv(IoBuffer... buffers);

    /** Half-close: sends FIN after every send queued before it; receiving still works. */
    CompletableFuture<Void> shutdownOutput();

    /**
     * Closes the connection: operations still running fail with
     * {@link ConnectionClosedException}, and the socket is closed once the kernel has returned
     * every buffer. Idempotent; the future completes when the descriptor is closed.
     */
    CompletableFuture<Void> close();

    /**
     * An abortive close: sets SO_LINGER to 0, then closes as {@link #close()} does, so the kernel
     * drops unsent data and the peer gets a reset (its next read fails with ECONNRESET) instead
     * of an orderly end of stream. Operations still running fail with
     * {@link ConnectionClosedException}. Idempotent; after {@code close()} has closed the
     * descriptor it does nothing more. Returns the same future as {@code close()}.
     */
    CompletableFuture<Void> abort();

    /**
     * Sets a socket option, with the JDK's {@link java.net.StandardSocketOptions} meanings:
     * {@code TCP_NODELAY} (on by default in jring), {@code SO_KEEPALIVE}, {@code SO_RCVBUF},
     * {@code SO_SNDBUF}, {@code SO_LINGER} (seconds; negative turns it off) and {@code IP_TOS}
     * (IPV6_TCLASS on an IPv6 socket). The call runs on the loop thread and waits for it.
     *
     * @return this connection
     * @throws UnsupportedOperationException another option; the message lists the supported ones
     * @throws IllegalArgumentException      a value the option does not take (null, a negative
     *                                       buffer size, a TOS above 255...)
     * @throws ConnectionClosedException     the connection is closed
     * @throws NativeIoException             setsockopt failed (the message names the errno)
     */
    <T> Connection setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * The option's value as the kernel reports it (Linux doubles the {@code SO_RCVBUF} and
     * {@code SO_SNDBUF} you set, to leave room for its bookkeeping; {@code SO_LINGER} is -1 when
     * off). Same options and exceptions as {@link #setOption}.
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /**
     * A buffer from this connection's loop pool, to fill and {@link #send(IoBuffer) send}.
     *
     * @throws BufferPoolExhaustedException the runtime's buffer memory is at its cap
     *         ({@link IoRuntimeOptions#withMaxBufferMemory}) and every block is held
     */
    IoBuffer allocate();

    InetSocketAddress localAddress();

    InetSocketAddress remoteAddress();

    /** Runs tasks on this connection's loop thread. */
    Executor executor();

    boolean isOpen();
}
