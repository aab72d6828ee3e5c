package io.jring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
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
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="off-the-loop"}
 *
 * <p><b>Buffers.</b> {@link #recv()} hands you a buffer to release; {@link #send(IoBuffer)}
 * takes one (see {@link IoBuffer} for the rules, which the runtime enforces). An echo:
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="echo"}
 * Filling a buffer of your own:
 * {@snippet file="io/jring/snippets/ApiSnippets.java" region="allocate"}
 *
 * <p><b>Order.</b> Sends leave in the order they were called (one at a time, each complete
 * before the next starts, so concurrent senders never interleave bytes); so do receives.
 *
 * <p><b>Deadlines and cancel.</b> Every operation that waits has a form taking a
 * {@link Duration}, which fails with {@link java.util.concurrent.TimeoutException} when it
 * passes; the clock starts at the call, so time spent queued behind earlier sends counts. The
 * deadline cancels the kernel operation, as {@code future.cancel(true)} does; any buffer
 * involved stays the runtime's until the kernel confirms. The connection stays open: a receive
 * that timed out took nothing (the data goes to the next receive), but a send that timed out
 * may have written part of its bytes, so after a send timeout the stream is cut at an unknown
 * place and most protocols should {@link #close()} or {@link #abort()} the connection.
 *
 * <p><b>Writability.</b> {@link #queuedSendBytes()} counts the bytes of sends called and not
 * yet ended. As with Netty's water marks, the connection turns unwritable
 * ({@link #isWritable()} false) when they reach the high mark (64 KiB unless
 * {@link #setWriteBufferWaterMarks set}), and writable again once they fall below the low mark
 * (32 KiB); {@link #whenWritable()} completes then. A producer that waits for it holds at most
 * about the high mark per connection, however slowly the peer reads.
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
     *
     * @return the received bytes in a buffer you own, or {@link IoBuffer#END_OF_STREAM}
     */
    CompletableFuture<IoBuffer> recv();

    /**
     * {@link #recv()} with a deadline.
     *
     * @param timeout how long to wait, from this call
     * @return the received bytes, or a failure with {@link java.util.concurrent.TimeoutException}
     *     (the data that arrives later goes to the next receive)
     */
    CompletableFuture<IoBuffer> recv(Duration timeout);

    /**
     * Receives into {@code into} after its writer index, which advances. {@code into} is lent
     * to the receive: every access throws until the future completes.
     *
     * @param into a buffer you own, with writable room
     * @return the count received, or -1 at end of stream
     */
    CompletableFuture<Integer> recv(IoBuffer into);

    /**
     * {@link #recv(IoBuffer)} with a deadline.
     *
     * @param into a buffer you own, with writable room
     * @param timeout how long to wait, from this call
     * @return the count received, -1 at end of stream, or a failure with
     *     {@link java.util.concurrent.TimeoutException}
     */
    CompletableFuture<Integer> recv(IoBuffer into, Duration timeout);

    /**
     * Pushes every received buffer to {@code handler}, on the loop thread, with no future per
     * buffer: the push-style form of {@link #recv()} for code that reacts to data as it comes.
     * The handler owns each buffer it gets: it must {@link IoBuffer#release() release} it or
     * send it (for instance with {@link #sendAndForget}). It must not block; if it throws, the
     * returned future fails with what it threw and this connection closes (the buffer is
     * released if the handler still owned it); the loop and its other connections go on.
     * {@snippet file="io/jring/snippets/ApiSnippets.java" region="push-echo"}
     *
     * <p>On io_uring it rides the connection's multishot recv (6.0+), one recv re-armed per
     * arrival where there is none; on epoll the reactor reads each readiness edge until the
     * socket is drained. Data already received for {@link #recv()} calls goes first.
     *
     * <p>One receive style at a time: while this is in force {@link #recv()} and
     * {@link #recv(IoBuffer)} fail with {@link IllegalStateException}, and this fails the same way
     * while receives are still waiting or another {@code onReceive} is in force. Cancelling the
     * returned future ({@code cancel(true)}) stops the push; data that arrives afterwards waits for
     * the next receive, nothing is lost.
     *
     * @param handler called with each received buffer (yours), on the loop thread, in order
     * @return completes at end of stream (the peer shut down its output); fails with
     *     {@link NativeIoException} naming {@code recv} and the errno (ECONNRESET on a reset),
     *     or {@code send} when a {@link #sendAndForget} failed, with
     *     {@link ConnectionClosedException} when the connection closes first, or with what the
     *     handler threw
     */
    default CompletableFuture<Void> onReceive(java.util.function.Consumer<IoBuffer> handler) {
        return PushFallback.onReceive(this, handler);
    }

    /**
     * Sends the buffer's readable bytes as {@link #send(IoBuffer)} does, in order with the other
     * sends and counted in {@link #queuedSendBytes()} like them (stop while the connection is not
     * {@link #isWritable() writable}), but returns no future, so it allocates nothing per send.
     * Takes ownership: the buffer is released when the send ends, however it ends.
     *
     * <p>Its errors have no future to go to: a send that fails (EPIPE, ECONNRESET...) fails the
     * connection's {@link #onReceive} future, if one is in force, with a {@link NativeIoException}
     * naming {@code send} and the errno, and then closes the connection (sends queued after it are
     * dropped, their buffers released). After a close it drops the buffer (released) silently.
     *
     * @param buffer what to send (taken)
     * @throws IllegalStateException    the caller does not own {@code buffer}
     * @throws IllegalArgumentException {@code buffer} belongs to another runtime
     */
    default void sendAndForget(IoBuffer buffer) {
        PushFallback.sendAndForget(this, buffer);
    }

    /**
     * Sends the buffer's readable bytes, completing once all are written (short writes are
     * continued). Takes ownership: the buffer is released when the send ends, however it ends.
     *
     * @param buffer what to send (taken)
     * @return completes when every byte is written
     */
    CompletableFuture<Void> send(IoBuffer buffer);

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}, in order with the other
     * sends, without copying them into Java memory: SPLICE through a pipe on io_uring (READ and
     * SEND of one pooled block where the ring lacks SPLICE), {@code sendfile(2)} on the blocking
     * pool on epoll. A peer that does not read holds at most the socket's send buffer and one
     * pipe (1 MiB) or block. Completes with the bytes sent: {@code count}, or fewer if the file
     * ends first. The file stays open until the send ends, even if it is closed meanwhile.
     *
     * @param file an open file of this runtime
     * @param position where in the file to start
     * @param count how many bytes to send at most
     * @return the bytes sent
     */
    CompletableFuture<Long> sendFile(AsyncFile file, long position, long count);

    /**
     * {@link #sendFile(AsyncFile, long, long)} with a deadline.
     *
     * @param file an open file of this runtime
     * @param position where in the file to start
     * @param count how many bytes to send at most
     * @param timeout how long the whole send may take, from this call
     * @return the bytes sent, or a failure with {@link java.util.concurrent.TimeoutException}
     */
    CompletableFuture<Long> sendFile(AsyncFile file, long position, long count, Duration timeout);

    /**
     * {@link #send(IoBuffer)} with a deadline.
     *
     * @param buffer what to send (taken)
     * @param timeout how long the send may take, from this call
     * @return completes when every byte is written; fails with
     *     {@link java.util.concurrent.TimeoutException} after {@code timeout}
     */
    CompletableFuture<Void> send(IoBuffer buffer, Duration timeout);

    /**
     * Sends a copy of a segment's bytes, made before this returns in memory the runtime owns, so
     * the segment may be freed at once.
     *
     * @param bytes what to send (copied before this returns)
     * @return completes when every byte is written
     */
    CompletableFuture<Void> send(MemorySegment bytes);

    /**
     * {@link #send(MemorySegment)} with a deadline.
     *
     * @param bytes   what to send (copied before this returns)
     * @param timeout how long the send may take, from this call
     * @return completes when every byte is written; fails with {@link java.util.concurrent.TimeoutException} after {@code timeout}
     */
    CompletableFuture<Void> send(MemorySegment bytes, Duration timeout);

    /**
     * Sends a copy of {@code bytes}.
     *
     * @param bytes what to send (copied before this returns)
     * @return completes when every byte is written
     */
    default CompletableFuture<Void> send(byte[] bytes) {
        return send(MemorySegment.ofArray(bytes));
    }

    /**
     * {@link #send(byte[])} with a deadline.
     *
     * @param bytes   what to send (copied before this returns)
     * @param timeout how long the send may take, from this call
     * @return completes when every byte is written; fails with {@link java.util.concurrent.TimeoutException} after {@code timeout}
     */
    default CompletableFuture<Void> send(byte[] bytes, Duration timeout) {
        return send(MemorySegment.ofArray(bytes), timeout);
    }

    /**
     * Receives straight into memory you own, without a copy: into a direct ByteBuffer's memory
     * ({@code MemorySegment.ofBuffer(directBuffer)}) or a segment of {@code Arena.global()} or
     * {@code Arena.ofAuto()}. The runtime holds {@code into} until the kernel is done with it
     * (its last completion), so that memory cannot be freed under the kernel even if you drop
     * every reference of yours. Segments of a closeable Arena (and heap segments) are refused
     * with IllegalArgumentException: {@code close()} would free them whatever the runtime held.
     *
     * <p>Ordered with the other receives; a timeout or a close ends it only once the kernel is
     * done. A {@code cancel} ends the future at once while the kernel may still write into
     * {@code into} until it confirms; bytes it wrote then are copied out of {@code into} for the
     * next receive, so do not write into {@code into} after a cancel.
     *
     * @param into where to receive, from its start; 1 to 2 GiB - 1 bytes
     * @param timeout how long to wait, from this call; null for no limit
     * @return the count received (written from offset 0 of {@code into}), or -1 at end of stream
     */
    default CompletableFuture<Integer> recvInPlace(MemorySegment into, Duration timeout) {
        throw new UnsupportedOperationException(getClass().getName() + " does not receive in place: use recv()");
    }

    /**
     * Sends {@code bytes} straight from memory you own, without a copy, completing once every
     * byte is written; the memory rules of {@link #recvInPlace}: the runtime holds {@code bytes}
     * until the kernel's last completion, and closeable Arenas and heap segments are refused.
     * Do not change the bytes before the future completes.
     *
     * @param bytes what to send; 1 to 2 GiB - 1 bytes
     * @param timeout how long the send may take, from this call; null for no limit
     * @return completes when every byte is written
     */
    default CompletableFuture<Void> sendInPlace(MemorySegment bytes, Duration timeout) {
        throw new UnsupportedOperationException(getClass().getName() + " does not send in place: use send()");
    }

    /**
     * Whether {@link #recvInPlace}/{@link #sendInPlace} accept {@code segment}: native memory
     * that a reference keeps alive (a direct ByteBuffer, {@code Arena.global()},
     * {@code Arena.ofAuto()}), not a closeable Arena's.
     *
     * @param segment the memory to check
     * @return true if it may be used in place
     */
    static boolean isPinnable(MemorySegment segment) {
        return io.jring.op.PinnableMemory.isPinnable(segment);
    }

    /**
     * Gathers several buffers into one sendmsg; takes ownership of all of them. Takes up to
     * {@code min(1024, (bufferSize - 56) / 16)} buffers (1020 with the default 16 KiB buffers);
     * more fail the future with IllegalArgumentException, and the buffers are still released.
     *
     * @param buffers what to send, in order; this takes them all
     * @return completes when every byte is written
     */
    CompletableFuture<Void> sendv(IoBuffer... buffers);

    /**
     * {@link #sendv(IoBuffer...)} with a deadline (first, since the buffers are varargs). A
     * non-positive timeout throws {@link IllegalArgumentException} before any buffer is taken.
     *
     * @param timeout how long the send may take, from this call
     * @param buffers what to send, in order; this takes them all
     * @return completes when every byte is written; fails with {@link java.util.concurrent.TimeoutException} after {@code timeout}
     */
    CompletableFuture<Void> sendv(Duration timeout, IoBuffer... buffers);

    /**
     * Half-close: sends FIN after every send queued before it; receiving still works.
     *
     * @return completes once the FIN is sent
     */
    CompletableFuture<Void> shutdownOutput();

    /**
     * {@link #shutdownOutput()} with a deadline: it waits its turn behind the sends queued before
     * it, and times out (the FIN not sent) if they have not all gone out by then.
     *
     * @param timeout how long it may wait, from this call
     * @return completes once the FIN is sent; fails with {@link java.util.concurrent.TimeoutException} after {@code timeout}
     */
    CompletableFuture<Void> shutdownOutput(Duration timeout);

    /**
     * The bytes of sends called on this connection that have not ended yet: queued behind other
     * sends, or written by the kernel only in part. A send counts from its call (on any thread)
     * until it ends however it ends (written, failed, timed out, cancelled, or abandoned by
     * {@link #close()}); once every send has ended it is exactly 0.
     *
     * @return the bytes of sends not yet ended
     */
    long queuedSendBytes();

    /**
     * False from the moment {@link #queuedSendBytes()} reaches the high water mark until it
     * falls below the low one (and once the connection is closed). Stop producing while it is
     * false and resume on {@link #whenWritable()}: that bounds what a slow reader makes you hold.
     *
     * @return whether more sends should be made now
     */
    boolean isWritable();

    /**
     * Completes once the queued send bytes have fallen below the low water mark: at once if the
     * connection is writable now. Fails with {@link ConnectionClosedException} if the connection
     * closes first. Completes on the loop thread.
     *
     * @return a future completing when the connection is writable
     */
    CompletableFuture<Void> whenWritable();

    /**
     * {@link #whenWritable()} with a deadline.
     *
     * @param timeout how long to wait, from this call
     * @return a future completing when the connection is writable; fails with
     *     {@link java.util.concurrent.TimeoutException} if it is not by then (nothing else changes:
     *     the queued sends go on)
     */
    CompletableFuture<Void> whenWritable(Duration timeout);

    /**
     * Sets the water marks of {@link #isWritable()} (defaults: 32 KiB low, 64 KiB high), from any
     * thread; the current backlog is judged by them at once.
     *
     * @param low  writable again below this many queued bytes
     * @param high unwritable from this many queued bytes
     * @return this connection
     * @throws IllegalArgumentException unless {@code 1 <= low <= high}
     */
    Connection setWriteBufferWaterMarks(int low, int high);

    /**
     * The low water mark: {@link #whenWritable()} completes once fewer bytes than this are queued.
     *
     * @return the low mark in bytes
     */
    int writeBufferLowWaterMark();

    /**
     * The high water mark: the connection turns unwritable once this many bytes are queued.
     *
     * @return the high mark in bytes
     */
    int writeBufferHighWaterMark();

    /**
     * This connection's received bytes as a blocking stream with {@link java.net.Socket}'s
     * semantics, for plain {@code InputStream} code on virtual threads: {@code read} parks the
     * calling thread until bytes arrive or the peer shuts down its output (-1); closing it closes
     * the connection. {@link ConnectionInputStream} says the rest (timeouts, interrupts). Blocking
     * calls on a jring loop thread throw {@link IllegalStateException}.
     *
     * <p>Each call returns a new stream that holds the unread rest of the last buffer it
     * received: take one per connection and keep it, and do not mix it with {@link #recv()}.
     *
     * @return a new input stream over this connection
     */
    default ConnectionInputStream inputStream() {
        return new ConnectionInputStream(this);
    }

    /**
     * This connection's sending side as a blocking stream with {@link java.net.Socket}'s
     * semantics, for plain {@code OutputStream} code on virtual threads: {@code write} returns
     * once the bytes are queued, parking the calling thread while the connection is not
     * {@link #isWritable() writable}, so a peer that does not read holds the writer, not memory.
     * Closing it closes the connection once the queued bytes have gone out; {@link #shutdownOutput()}
     * half-closes. {@link ConnectionOutputStream} says the rest. Blocking calls on a jring loop
     * thread throw {@link IllegalStateException}.
     *
     * <p>Each call returns a new stream: take one per connection and keep it (its
     * {@code flush()} waits for the sends it made).
     *
     * @return a new output stream over this connection
     */
    default ConnectionOutputStream outputStream() {
        return new ConnectionOutputStream(this);
    }

    /**
     * Closes the connection: operations still running fail with
     * {@link ConnectionClosedException}, and the socket is closed once the kernel has returned
     * every buffer. Idempotent.
     *
     * @return completes when the descriptor is closed
     */
    CompletableFuture<Void> close();

    /**
     * An abortive close: sets SO_LINGER to 0, then closes as {@link #close()} does, so the kernel
     * drops unsent data and the peer gets a reset (its next read fails with ECONNRESET) instead
     * of an orderly end of stream. Operations still running fail with
     * {@link ConnectionClosedException}. Idempotent; after {@code close()} has closed the
     * descriptor it does nothing more. A Unix domain socket has no reset: there {@code abort()}
     * is {@code close()} (the peer sees end of stream, or ECONNRESET if it had sent bytes this
     * end never read).
     *
     * @return the same future as {@code close()}
     */
    CompletableFuture<Void> abort();

    /**
     * Sets a socket option, with the JDK's {@link java.net.StandardSocketOptions} meanings:
     * {@code TCP_NODELAY} (on by default in jring), {@code SO_KEEPALIVE}, {@code SO_RCVBUF},
     * {@code SO_SNDBUF}, {@code SO_LINGER} (seconds; negative turns it off) and {@code IP_TOS}
     * (IPV6_TCLASS on an IPv6 socket). The call runs on the loop thread and waits for it.
     * A Unix domain connection takes {@code SO_RCVBUF} and {@code SO_SNDBUF} only; the TCP/IP
     * options throw {@link IllegalArgumentException} there, naming the option.
     *
     * @param <T> the option's value type
     * @param option the option
     * @param value its new value
     * @return this connection
     * @throws UnsupportedOperationException another option; the message lists the supported ones
     * @throws IllegalArgumentException      a value the option does not take (null, a negative
     *                                       buffer size, a TOS above 255...), or a TCP/IP option
     *                                       on a Unix domain connection
     * @throws IOException                   the connection is closed ({@link ConnectionClosedException}),
     *                                       or setsockopt failed ({@link NativeIoException}, naming the errno)
     */
    <T> Connection setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * The option's value as the kernel reports it (Linux doubles the {@code SO_RCVBUF} and
     * {@code SO_SNDBUF} you set, to leave room for its bookkeeping; {@code SO_LINGER} is -1 when
     * off). Same options and exceptions as {@link #setOption}.
     *
     * @param <T> the option's value type
     * @param option the option
     * @return its value
     * @throws IOException the connection is closed, or getsockopt failed
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /**
     * A buffer from this connection's loop pool, to fill and {@link #send(IoBuffer) send}.
     *
     * @return a buffer you own: send it or release it
     * @throws BufferPoolExhaustedException the runtime's buffer memory is at its cap
     *         ({@link IoRuntimeOptions#withMaxBufferMemory}) and every block is held
     */
    IoBuffer allocate();

    /**
     * This end's address: an {@link java.net.InetSocketAddress} on TCP (IPv6 without a
     * {@code %0} scope); on a Unix domain connection a {@link java.net.UnixDomainSocketAddress}
     * (the listener's path on the accepted side, {@code UnixDomainSocketAddress.of("")} on a
     * client, which binds no name, as in the JDK's channels) or an {@link AbstractUnixAddress}.
     *
     * @return the address, asked of the kernel once and kept
     */
    SocketAddress localAddress();

    /**
     * The peer's address: an {@link java.net.InetSocketAddress} on TCP; on a Unix domain
     * connection the server's path or {@link AbstractUnixAddress} on the client side, and
     * {@code UnixDomainSocketAddress.of("")} on the accepted side (clients are unnamed).
     *
     * @return the address, asked of the kernel once and kept
     */
    SocketAddress remoteAddress();

    /** {@return an executor running tasks on this connection's loop thread (always queued)} */
    Executor executor();

    /** {@return whether the connection is open: neither closed nor aborted} */
    boolean isOpen();
}
