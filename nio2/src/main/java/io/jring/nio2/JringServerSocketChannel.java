package io.jring.nio2;

import io.jring.Connection;
import io.jring.ListenOptions;
import io.jring.Listener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.AcceptPendingException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ShutdownChannelGroupException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * An {@link AsynchronousServerSocketChannel} on a jring {@link Listener}. jring creates the
 * listening socket in {@code bind}, so its options (SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT) are
 * taken before bind and applied there; one socket is shared by the group's loops (jring's
 * SO_REUSEPORT-per-loop layout would let a second bind to the same port succeed).
 */
final class JringServerSocketChannel extends AsynchronousServerSocketChannel {
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT);

    private final JringAsynchronousChannelProvider provider;
    private final JringChannelGroup group;
    private final Object lock = new Object();
    private final Map<SocketOption<?>, Object> options = new HashMap<>(); // guarded by lock
    /** Connections accepted for an accept that had been cancelled meanwhile: the next accept's. */
    private final ArrayDeque<Connection> kept = new ArrayDeque<>();     // guarded by lock
    private boolean open = true;             // guarded by lock
    private Listener listener;               // guarded by lock
    private PendingOp<AsynchronousSocketChannel, ?> pending; // guarded by lock

    JringServerSocketChannel(JringAsynchronousChannelProvider provider, JringChannelGroup group) {
        super(provider);
        this.provider = provider;
        this.group = group;
        group.register(this);
    }

    @Override
    public AsynchronousServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        InetSocketAddress address = local == null ? new InetSocketAddress(0) : Errors.checkAddress(local);
        synchronized (lock) {
            ensureOpen();
            if (listener != null) {
                throw new AlreadyBoundException();
            }
            ListenOptions listen = ListenOptions.DEFAULT
                    .withBacklog(backlog < 1 ? ListenOptions.DEFAULT.backlog() : backlog)
                    .withReusePort(value(StandardSocketOptions.SO_REUSEPORT))
                    .withReuseAddress(value(StandardSocketOptions.SO_REUSEADDR))
                    .withReceiveBufferSize(options.containsKey(StandardSocketOptions.SO_RCVBUF)
                            ? value(StandardSocketOptions.SO_RCVBUF) : 0);
            try {
                listener = group.runtime().listen(address, listen);
            } catch (IOException e) {
                throw Errors.forBind(e);
            }
            return this;
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T value(SocketOption<T> option) {
        Object value = options.get(option);
        return value != null ? (T) value : SocketDefaults.forServer(option);
    }

    @Override
    public <T> AsynchronousServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        Objects.requireNonNull(name, "name");
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported; supported: " + OPTIONS);
        }
        SocketDefaults.checkValue(name, value);
        synchronized (lock) {
            ensureOpen();
            if (listener != null) {
                throw new IOException("setOption " + name + ": jring applies a server socket's options when it binds, "
                        + "and this channel is bound; set them before bind()");
            }
            options.put(name, value);
            return this;
        }
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        Objects.requireNonNull(name, "name");
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported; supported: " + OPTIONS);
        }
        synchronized (lock) {
            ensureOpen();
            return value(name);
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public <A> void accept(A attachment, CompletionHandler<AsynchronousSocketChannel, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        startAccept(attachment, handler);
    }

    @Override
    public Future<AsynchronousSocketChannel> accept() {
        return startAccept(null, null);
    }

    private <A> Future<AsynchronousSocketChannel> startAccept(A attachment,
            CompletionHandler<AsynchronousSocketChannel, ? super A> handler) {
        PendingOp<AsynchronousSocketChannel, A> op = new PendingOp<>(group, handler, attachment);
        Connection ready;
        CompletableFuture<Connection> accept = null;
        synchronized (lock) {
            if (!open) {
                op.fail(new ClosedChannelException());
                return op.returned();
            }
            if (listener == null) {
                throw new NotYetBoundException();
            }
            if (group.isTerminated()) {
                throw new ShutdownChannelGroupException();
            }
            if (pending != null) {
                throw new AcceptPendingException();
            }
            pending = op;
            ready = kept.pollFirst();
            if (ready == null) {
                accept = listener.accept();
            }
        }
        if (ready != null) {
            accepted(op, ready, null);
            return op.returned();
        }
        CompletableFuture<Connection> acceptFuture = accept;
        op.onCancel(() -> {
            synchronized (lock) {
                if (pending == op) {
                    pending = null;
                }
            }
            acceptFuture.cancel(true); // jring keeps a connection accepted meanwhile for the next accept
        });
        acceptFuture.whenComplete((conn, error) -> accepted(op, conn, error));
        return op.returned();
    }

    private void accepted(PendingOp<AsynchronousSocketChannel, ?> op, Connection conn, Throwable error) {
        synchronized (lock) {
            if (pending != op || !op.claim()) {
                if (conn != null) {
                    if (open) {
                        kept.addLast(conn); // for the next accept: the one it was for ended first
                    } else {
                        conn.close();
                    }
                }
                return;
            }
            pending = null;
        }
        if (error != null) {
            op.finishFailed(Errors.forIo(error, isOpen()));
            return;
        }
        JringSocketChannel.configure(conn, Map.of()).whenComplete((configured, failure) -> {
            if (failure != null) {
                conn.close();
                op.finishFailed(Errors.unwrap(failure));
                return;
            }
            try {
                op.finish(JringSocketChannel.accepted(provider, group, conn));
            } catch (ShutdownChannelGroupException e) {
                conn.close();
                op.finishFailed(e);
            }
        });
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        synchronized (lock) {
            ensureOpen();
            return listener == null ? null : listener.localAddress();
        }
    }

    @Override
    public boolean isOpen() {
        synchronized (lock) {
            return open;
        }
    }

    /** Closes the listening socket: a pending accept fails with {@link AsynchronousCloseException}. */
    @Override
    public void close() {
        PendingOp<AsynchronousSocketChannel, ?> op;
        Listener l;
        synchronized (lock) {
            if (!open) {
                return;
            }
            open = false;
            op = pending;
            pending = null;
            l = listener;
            kept.forEach(Connection::close);
            kept.clear();
        }
        if (op != null) {
            op.fail(new AsynchronousCloseException());
        }
        if (l != null) {
            // as the JDK's close: once it returns, connects are refused and the port may be bound again
            Closing.await(l.close(), "a listener");
        }
        group.deregister(this);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return "JringServerSocketChannel[" + (isOpen() ? "" : "closed ") + listener + "]";
    }
}
