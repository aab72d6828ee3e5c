package io.jring;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An echo server on the runtime under test, written the idiomatic way (onAccept, recv, send the
 * same buffer, repeat; end of stream closes), counting what it sees.
 */
final class EchoService {
    final Listener listener;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Errors seen by the echo loops (resets are normal in some tests; the test decides). */
    final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();

    private EchoService(Listener listener) {
        this.listener = listener;
    }

    static EchoService start(IoRuntime runtime) throws IOException {
        return start(runtime, ListenOptions.DEFAULT);
    }

    static EchoService start(IoRuntime runtime, ListenOptions options) throws IOException {
        EchoService service = new EchoService(runtime.listen(RuntimeTestBase.LOOPBACK_ANY_PORT, options));
        service.listener.onAccept(service::serve);
        return service;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    private void serve(Connection connection) {
        accepted.incrementAndGet();
        connections.add(connection);
        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        echo(connection);
    }

    private void echo(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                if (error != null) {
                    errors.add(error);
                }
                end(connection);
                return;
            }
            connection.send(buffer).whenComplete((ok, sendError) -> {
                if (sendError != null) {
                    errors.add(sendError);
                    end(connection);
                } else {
                    echo(connection);
                }
            });
        });
    }

    private void end(Connection connection) {
        if (connections.remove(connection)) {
            open.decrementAndGet();
        }
        connection.close();
    }
}
