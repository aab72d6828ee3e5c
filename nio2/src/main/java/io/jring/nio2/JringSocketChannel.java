package io.jring.nio2;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AsynchronousSocketChannel} on a jring {@link Connection}. Before it connects there
 * is no socket (jring creates it in {@code connect}): options set until then are kept and
 * applied to the connection before {@code connect} completes.
 */
final class JringSocketChannel extends AsynchronousSocketChannel {
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.TCP_NODELAY);

    private final JringChannelGroup group;
    private final Object lock = new Object();
    /** Options set before the connection exists, and SO_REUSEADDR (meaningful only before it does). */
    private final Map<SocketOption<?>, Object> options = new LinkedHashMap<>(); // guarded by lock
    private boolean open = true;                  // guarded by lock
    private InetSocketAddress boundAddress;       // guarded by lock
    private PendingOp<Void, ?> connecting;        // guarded by lock
    private volatile Connection connection;
    // jring answers addresses only while the connection is open; a closed channel still names them
    private volatile InetSocketAddress localAddress;
    private volatile InetSocketAddress remoteAddress;
    private volatile ChannelReader reader;
    private volatile ChannelWriter writer;

    JringSocketChannel(JringAsynchronousChannelProvider provider, JringChannelGroup group) {
        super(provider);
        this.group = group;
        group.register(this);
    }

    /** A channel for a connection a server channel accepted (already configured). */
    static JringSocketChannel accepted(JringAsynchronousChannelProvider provider, JringChannelGroup group,
                                       Connection connection) {
        return new JringSocketChannel(provider, group, connection);
    }

    private JringSocketChannel(JringAsynchronousChannelProvider provider, JringChannelGroup group, Connection connection) {
        super(provider);
        this.group = group;
        group.registerAccepted(this);
        attach(connection);
    }

    private void attach(Connection conn) {
        this.localAddress = (InetSocketAddress) conn.localAddress(); // the NIO.2 channels are TCP only
        this.remoteAddress = (InetSocketAddress) conn.remoteAddress();
        this.reader = new ChannelReader(group, conn);
        this.writer = new ChannelWriter(group, conn);
        this.connection = conn;
    }

    /**
     * Makes a fresh jring connection behave as the JDK's: TCP_NODELAY off (jring turns it on),
     * plus the options set before it existed. Runs on the connection's own loop thread, where
     * jring applies an option at once, so no loop ever waits for another.
     */
    static CompletableFuture<Connection> configure(Connection conn, Map<SocketOption<?>, Object> options) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                if (!options.containsKey(StandardSocketOptions.TCP_NODELAY)) {
                    conn.setOption(StandardSocketOptions.TCP_NODELAY, false);
                }
                for (Map.Entry<SocketOption<?>, Object> option : options.entrySet()) {
                    if (option.getKey() != StandardSocketOptions.SO_REUSEADDR) {
                        setRaw(conn, option.getKey(), option.getValue());
                    }
                }
                return conn;
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, conn.executor());
    }

    @SuppressWarnings("unchecked")
    private static <T> void setRaw(Connection conn, SocketOption<T> option, Object value) throws IOException {
        conn.setOption(option, (T) value);
    }

    @Override
    public AsynchronousSocketChannel bind(SocketAddress local) throws IOException {
        synchronized (lock) {
            ensureOpen();
            if (connection != null || boundAddress != null) {
                throw new AlreadyBoundException();
            }
            if (connecting != null) {
                throw new ConnectionPendingException();
            }
            InetSocketAddress address = local == null ? new InetSocketAddress(0) : Errors.checkAddress(local);
            if (!address.getAddress().isAnyLocalAddress() || address.getPort() != 0) {
                // jring's public API creates a client's socket inside connect(), so it cannot bind
                // one first; the wildcard with port 0 is what connect does anyway.
                throw new IOException("bind " + address + ": jring's provider can bind a client socket only to "
                        + "the wildcard address with port 0 (the kernel chooses at connect); connect without bind, "
                        + "or use the JDK's provider for a fixed local address");
            }
            boundAddress = address;
            return this;
        }
    }

    @Override
    public <T> AsynchronousSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        Objects.requireNonNull(name, "name");
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported; supported: " + OPTIONS);
        }
        SocketDefaults.checkValue(name, value);
        Connection conn;
        synchronized (lock) {
            ensureOpen();
            conn = connection;
            if (conn == null || name == StandardSocketOptions.SO_REUSEADDR) {
                options.put(name, value);
                return this;
            }
        }
        try {
            conn.setOption(name, value);
        } catch (ConnectionClosedException e) {
            throw closedBecause(e);
        }
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        Objects.requireNonNull(name, "name");
        if (!OPTIONS.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported; supported: " + OPTIONS);
        }
        Connection conn;
        synchronized (lock) {
            ensureOpen();
            conn = connection;
            if (conn == null || name == StandardSocketOptions.SO_REUSEADDR) {
                Object value = options.get(name);
                return value != null ? (T) value : SocketDefaults.forSocket(name);
            }
        }
        try {
            return conn.getOption(name);
        } catch (ConnectionClosedException e) {
            throw closedBecause(e);
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public AsynchronousSocketChannel shutdownInput() throws IOException {
        connectedReader().shutdownInput();
        return this;
    }

    @Override
    public AsynchronousSocketChannel shutdownOutput() throws IOException {
        connectedWriter().shutdownOutput();
        return this;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        synchronized (lock) {
            ensureOpen();
            return connection == null ? null : remoteAddress;
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        synchronized (lock) {
            ensureOpen();
            return connection == null ? boundAddress : localAddress;
        }
    }

    @Override
    public <A> void connect(SocketAddress remote, A attachment, CompletionHandler<Void, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        startConnect(remote, attachment, handler);
    }

    @Override
    public Future<Void> connect(SocketAddress remote) {
        return startConnect(remote, null, null);
    }

    private <A> Future<Void> startConnect(SocketAddress remote, A attachment, CompletionHandler<Void, ? super A> handler) {
        InetSocketAddress address = Errors.checkAddress(remote);
        PendingOp<Void, A> op = new PendingOp<>(group, handler, attachment);
        Map<SocketOption<?>, Object> requested;
        synchronized (lock) {
            if (!open) {
                op.fail(new ClosedChannelException());
                return op.returned();
            }
            if (connection != null) {
                throw new AlreadyConnectedException();
            }
            if (connecting != null) {
                throw new ConnectionPendingException();
            }
            connecting = op;
            requested = Map.copyOf(options);
        }
        op.onCancel(this::close); // a connect cannot be taken back half-way: as the JDK, close
        group.runtime().connect(address)
                .thenCompose(conn -> configure(conn, requested).whenComplete((ok, error) -> {
                    if (error != null) {
                        conn.close();
                    }
                }))
                .whenComplete((conn, error) -> connected(op, address, conn, error));
        return op.returned();
    }

    private void connected(PendingOp<Void, ?> op, InetSocketAddress address, Connection conn, Throwable error) {
        synchronized (lock) {
            if (connecting == op) {
                connecting = null;
            }
            if (error == null && open && op.claim()) {
                attach(conn);
                op.finish(null);
                return;
            }
        }
        if (conn != null) {
            conn.close(); // the channel closed (or the connect was cancelled) while it connected
        }
        if (error != null && op.claim()) {
            close(false); // a failed connect leaves the channel closed, as the JDK's does
            op.finishFailed(Errors.forConnect(error, address));
        }
    }

    @Override
    public <A> void read(ByteBuffer dst, long timeout, TimeUnit unit, A attachment,
                         CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        startRead(new ByteBuffer[] {Objects.requireNonNull(dst, "dst")}, 0, 1, false, timeout, unit, attachment, handler);
    }

    @Override
    public Future<Integer> read(ByteBuffer dst) {
        return startRead(new ByteBuffer[] {Objects.requireNonNull(dst, "dst")}, 0, 1, false, 0, TimeUnit.MILLISECONDS,
                null, null);
    }

    @Override
    public <A> void read(ByteBuffer[] dsts, int offset, int length, long timeout, TimeUnit unit, A attachment,
                         CompletionHandler<Long, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        startRead(dsts, offset, length, true, timeout, unit, attachment, handler);
    }

    private <V, A> Future<V> startRead(ByteBuffer[] dsts, int offset, int length, boolean scattering, long timeout,
                                       TimeUnit unit, A attachment, CompletionHandler<V, ? super A> handler) {
        Buffers.check(dsts, offset, length, true);
        Objects.requireNonNull(unit, "unit");
        ChannelReader r;
        synchronized (lock) {
            if (!open) {
                return failedClosed(attachment, handler);
            }
            r = reader;
            if (r == null) {
                throw new NotYetConnectedException();
            }
        }
        return r.read(dsts, offset, length, scattering, unit.toNanos(timeout), attachment, handler);
    }

    @Override
    public <A> void write(ByteBuffer src, long timeout, TimeUnit unit, A attachment,
                          CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        startWrite(new ByteBuffer[] {Objects.requireNonNull(src, "src")}, 0, 1, false, timeout, unit, attachment, handler);
    }

    @Override
    public Future<Integer> write(ByteBuffer src) {
        return startWrite(new ByteBuffer[] {Objects.requireNonNull(src, "src")}, 0, 1, false, 0, TimeUnit.MILLISECONDS,
                null, null);
    }

    @Override
    public <A> void write(ByteBuffer[] srcs, int offset, int length, long timeout, TimeUnit unit, A attachment,
                          CompletionHandler<Long, ? super A> handler) {
        Objects.requireNonNull(handler, "handler");
        startWrite(srcs, offset, length, true, timeout, unit, attachment, handler);
    }

    private <V, A> Future<V> startWrite(ByteBuffer[] srcs, int offset, int length, boolean gathering, long timeout,
                                        TimeUnit unit, A attachment, CompletionHandler<V, ? super A> handler) {
        Buffers.check(srcs, offset, length, false);
        Objects.requireNonNull(unit, "unit");
        ChannelWriter w;
        synchronized (lock) {
            if (!open) {
                return failedClosed(attachment, handler);
            }
            w = writer;
            if (w == null) {
                throw new NotYetConnectedException();
            }
        }
        return w.write(srcs, offset, length, gathering, unit.toNanos(timeout), attachment, handler);
    }

    private <V, A> Future<V> failedClosed(A attachment, CompletionHandler<V, ? super A> handler) {
        PendingOp<V, A> op = new PendingOp<>(group, handler, attachment);
        op.fail(new ClosedChannelException());
        return op.returned();
    }

    @Override
    public boolean isOpen() {
        synchronized (lock) {
            return open;
        }
    }

    /**
     * Closes the channel: a pending connect, read or write fails with
     * {@link AsynchronousCloseException} (its handler runs on the group's executor), and the
     * connection closes (jring frees its buffers once the kernel has returned them).
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * {@code awaitDescriptor}: return only once the socket is closed, as the JDK's close does
     * (a peer or a new bind sees it at once). False only on a loop thread, which must not wait
     * for itself, and where there is no connection to wait for anyway.
     */
    private void close(boolean awaitDescriptor) {
        PendingOp<Void, ?> pendingConnect;
        Connection conn;
        synchronized (lock) {
            if (!open) {
                return;
            }
            open = false;
            pendingConnect = connecting;
            connecting = null;
            conn = connection;
        }
        if (pendingConnect != null) {
            pendingConnect.fail(new AsynchronousCloseException());
        }
        if (reader != null) {
            reader.close();
        }
        CompletableFuture<Void> drained = writer != null ? writer.close() : CompletableFuture.completedFuture(null);
        if (conn != null && !drained.isDone()) {
            // Writes that completed at once still have bytes on their way: as the JDK's close
            // leaves the kernel sending what the socket took, close once they are out (a peer
            // that reads nothing is reset after DRAIN_SECONDS).
            drained.orTimeout(Closing.DRAIN_SECONDS, TimeUnit.SECONDS)
                    .whenComplete((ignored, stuck) -> {
                        if (stuck != null) {
                            conn.abort();
                        } else {
                            conn.close();
                        }
                        group.deregister(this); // the group's runtime must outlive those bytes
                    });
            return;
        }
        if (conn != null) {
            CompletableFuture<Void> closed = conn.close();
            if (awaitDescriptor) {
                Closing.await(closed, "connection " + localAddress + " -> " + remoteAddress);
            }
        }
        group.deregister(this);
    }

    private ChannelReader connectedReader() throws ClosedChannelException {
        synchronized (lock) {
            ensureOpen();
            if (reader == null) {
                throw new NotYetConnectedException();
            }
            return reader;
        }
    }

    private ChannelWriter connectedWriter() throws ClosedChannelException {
        synchronized (lock) {
            ensureOpen();
            if (writer == null) {
                throw new NotYetConnectedException();
            }
            return writer;
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    private static ClosedChannelException closedBecause(ConnectionClosedException cause) {
        ClosedChannelException closed = new ClosedChannelException();
        closed.initCause(cause);
        return closed;
    }

    @Override
    public String toString() {
        Connection conn = connection;
        return "JringSocketChannel[" + (isOpen() ? "" : "closed ")
                + (conn == null ? "unconnected" : localAddress + " -> " + remoteAddress) + "]";
    }
}
