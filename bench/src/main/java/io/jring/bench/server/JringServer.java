package io.jring.bench.server;

import io.jring.Backend;
import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

/**
 * jring serving both workloads on one event loop (one thread), through the public API only.
 *
 * <p>Each connection keeps one receive outstanding and chains the next one as soon as the
 * answer is queued (not when it is sent), as Netty's auto-read does; sends leave in call order.
 * Each connection has one handler object for its receives and sends alike, so the steady state
 * allocates only what the runtime and the futures' stages allocate per operation, and the loop
 * touches one object of the server's per request.
 */
final class JringServer {
    private static final MemorySegment RESPONSE = Arena.global().allocate(Http.RESPONSE.length)
            .copyFrom(MemorySegment.ofArray(Http.RESPONSE));

    /** {@code multishotRecv}: false runs io_uring with one SQE per recv, to show what multishot saves. */
    static AutoCloseable start(Backend backend, boolean multishotRecv, String host, int echoPort, int httpPort)
            throws Exception {
        return start(backend, multishotRecv, false, null, host, echoPort, httpPort);
    }

    /**
     * The same server on the push path: {@link Connection#onReceive} hands each buffer over with no
     * future per receive, {@link Connection#sendAndForget} sends with no future per send.
     */
    static AutoCloseable startPush(Backend backend, String host, int echoPort, int httpPort) throws Exception {
        return start(backend, true, true, null, host, echoPort, httpPort);
    }

    /**
     * {@code tls}: when not null, the http port speaks https: each accepted connection is wrapped
     * by {@code Tls.server} (the JDK's SSLEngine) before the same http loop runs over it.
     */
    static AutoCloseable start(Backend backend, boolean multishotRecv, io.jring.tls.TlsOptions tls, String host,
                               int echoPort, int httpPort) throws Exception {
        return start(backend, multishotRecv, false, tls, host, echoPort, httpPort);
    }

    private static AutoCloseable start(Backend backend, boolean multishotRecv, boolean push,
                                       io.jring.tls.TlsOptions tls, String host, int echoPort, int httpPort)
            throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(backend)
                .withMultishotRecv(multishotRecv));
        if (runtime.backend() != backend) {
            runtime.close();
            throw new IllegalStateException("asked for " + backend + ", got " + runtime.backend());
        }
        Listener echo = runtime.listen(new InetSocketAddress(host, echoPort));
        echo.onAccept(connection -> new Echo(connection, push).start());
        Listener http = runtime.listen(new InetSocketAddress(host, httpPort));
        if (tls == null) {
            http.onAccept(connection -> new HttpConnection(connection, push).start());
        } else {
            // a failed handshake closes its connection itself
            http.onAccept(connection -> io.jring.tls.Tls.server(connection, tls)
                    .thenAccept(secure -> new HttpConnection(secure, false).start()));
        }
        System.out.println("jring " + runtime.backend() + " loops: " + runtime.describeLoops());
        return () -> {
            echo.close().join();
            http.close().join();
            runtime.close();
        };
    }

    /**
     * One handler object per connection for its receives and its sends alike (a send completes
     * with null, a receive with a buffer; a failure of either closes the connection): one
     * object per connection for the loop to touch per request, not two. On the push path the
     * handler gets every buffer from {@code onReceive} and sends without futures; the push's own
     * future ends the connection.
     */
    private abstract static class Handler implements BiConsumer<Object, Throwable> {
        final Connection connection;
        private final boolean push;

        Handler(Connection connection, boolean push) {
            this.connection = connection;
            this.push = push;
        }

        final void start() {
            if (push) {
                connection.onReceive(this::received).whenComplete((ended, error) -> connection.close());
            } else {
                next();
            }
        }

        /** Chains the next receive once a received buffer is handled (the push path needs none). */
        final void next() {
            if (!push) {
                connection.recv().whenComplete(this);
            }
        }

        /** Sends {@code out} (taken) in call order; a failure closes the connection. */
        final void send(IoBuffer out) {
            if (push) {
                connection.sendAndForget(out);
            } else {
                connection.send(out).whenComplete(this);
            }
        }

        @Override
        public final void accept(Object result, Throwable error) {
            if (error != null) {
                connection.close();
            } else if (result instanceof IoBuffer buffer) {
                if (buffer.isEndOfStream()) {
                    connection.close();
                } else {
                    received(buffer);
                }
            } // null: a send completed
        }

        abstract void received(IoBuffer buffer);
    }

    private static final class Echo extends Handler {
        Echo(Connection connection, boolean push) {
            super(connection, push);
        }

        @Override
        void received(IoBuffer buffer) {
            send(buffer);
            next();
        }
    }

    private static final class HttpConnection extends Handler {
        private final Http.RequestCounter requests = new Http.RequestCounter();

        HttpConnection(Connection connection, boolean push) {
            super(connection, push);
        }

        @Override
        void received(IoBuffer buffer) {
            int complete = 0;
            for (int i = buffer.readerIndex(), end = buffer.writerIndex(); i < end; i++) {
                if (requests.feed(buffer.getByte(i))) {
                    complete++;
                }
            }
            buffer.release();
            IoBuffer out = null;
            for (int i = 0; i < complete; i++) {
                if (out == null || out.writableBytes() < RESPONSE.byteSize()) {
                    if (out != null) {
                        send(out);
                    }
                    out = connection.allocate();
                }
                out.write(RESPONSE);
            }
            if (out != null) {
                send(out);
            }
            next();
        }
    }

    private JringServer() {}
}
