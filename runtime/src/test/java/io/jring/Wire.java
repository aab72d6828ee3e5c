package io.jring;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

/**
 * What lies between a contract test and its bytes: plain TCP for the runtime's own suite; the
 * tls module's tests pass one that puts TLS on both ends, so the connection-level topics run
 * unchanged over {@code Tls.server} connections and {@code SSLSocket} peers.
 */
public interface Wire {
    /** Plain TCP: the accepted connection and the peer's socket as they are. */
    Wire PLAIN = new Wire() {
        @Override
        public CompletableFuture<Connection> server(Connection accepted) {
            return CompletableFuture.completedFuture(accepted);
        }

        @Override
        public Socket peer(Socket connected) {
            return connected;
        }
    };

    /** The connection the test uses for one the listener accepted (called as soon as it is accepted). */
    CompletableFuture<Connection> server(Connection accepted);

    /**
     * The socket the test's peer reads and writes, over a connected TCP socket. It must not block
     * on the server: the test may not ask for the accepted connection until later.
     */
    Socket peer(Socket connected) throws IOException;
}
