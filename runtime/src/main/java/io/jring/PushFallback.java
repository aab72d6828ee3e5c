package io.jring;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@link Connection#onReceive} and {@link Connection#sendAndForget} for connections that have no
 * futureless path of their own (a layer over a connection, such as TLS), built on
 * {@link Connection#recv()} and {@link Connection#send(IoBuffer)}, so a future per operation
 * remains inside. Simpler than the runtime's own (which override both): a failed send closes the
 * connection, so the push fails with the close's {@link ConnectionClosedException} rather than
 * the send's errno, and mixing with {@code recv()} is not refused (the two would take turns).
 */
final class PushFallback {
    private PushFallback() {}

    static CompletableFuture<Void> onReceive(Connection connection, Consumer<IoBuffer> handler) {
        java.util.Objects.requireNonNull(handler, "handler");
        CompletableFuture<Void> ended = new CompletableFuture<>();
        next(connection, handler, ended);
        return ended;
    }

    private static void next(Connection connection, Consumer<IoBuffer> handler, CompletableFuture<Void> ended) {
        connection.recv().whenComplete((buffer, error) -> {
            if (ended.isDone()) { // cancelled: the data goes back to nobody, so release it
                if (buffer != null && !buffer.isEndOfStream()) {
                    buffer.release();
                }
                return;
            }
            if (error != null) {
                ended.completeExceptionally(error);
            } else if (buffer.isEndOfStream()) {
                ended.complete(null);
            } else {
                try {
                    handler.accept(buffer);
                } catch (RuntimeException e) {
                    ended.completeExceptionally(e);
                    connection.close();
                    return;
                }
                next(connection, handler, ended);
            }
        });
    }

    static void sendAndForget(Connection connection, IoBuffer buffer) {
        connection.send(buffer).whenComplete((ignored, error) -> {
            if (error != null) {
                connection.close();
            }
        });
    }
}
