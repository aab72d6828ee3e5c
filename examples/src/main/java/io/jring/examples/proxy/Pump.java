package io.jring.examples.proxy;

import io.jring.Connection;
import io.jring.IoBuffer;

/**
 * Moves the bytes of one direction of a {@link ProxySession}: receive a buffer from one
 * connection, send that same buffer on the other, and only once the send has completed receive
 * again.
 *
 * <p>That rule is the whole of the proxy's backpressure. With at most one buffer in flight per
 * direction, a peer that reads slowly makes the send to it complete slowly, which delays the
 * next receive from the other peer; the kernel's receive buffer on that side fills, TCP's window
 * closes, and the fast sender is slowed to the reader's pace. The proxy itself never holds more
 * than one pooled buffer per direction, however fast or slow either side is.
 *
 * <p>The buffer is not copied: {@code send} takes ownership of the very block {@code recv}
 * filled, and the runtime releases it when the send ends, whether it succeeded or not. So no
 * path here releases a buffer itself, and none can release one twice. End of stream is a
 * constant that owns no memory.
 */
final class Pump {
    private final Connection from;
    private final Connection to;
    private final ProxySession session;
    private final String direction;

    /** {@code direction} names the flow in log lines, e.g. {@code client->upstream}. */
    Pump(Connection from, Connection to, ProxySession session, String direction) {
        this.from = from;
        this.to = to;
        this.session = session;
        this.direction = direction;
    }

    void start() {
        receive();
    }

    private void receive() {
        from.recv().whenComplete((buffer, error) -> {
            if (error != null) {
                session.abort(direction, error);
                return;
            }
            session.moved();
            if (buffer.isEndOfStream()) {
                passOnEndOfStream();
            } else {
                forward(buffer);
            }
        });
    }

    private void forward(IoBuffer buffer) {
        to.send(buffer).whenComplete((sent, error) -> {
            if (error != null) {
                session.abort(direction, error);
            } else {
                session.moved();
                receive();
            }
        });
    }

    /**
     * The sender is done; the other direction may not be (a client that half-closes after its
     * request still waits for the answer). So pass on a half-close, not a close: FIN goes out
     * after the last byte already queued, and the session closes once both directions ended.
     */
    private void passOnEndOfStream() {
        to.shutdownOutput().whenComplete((done, error) -> {
            if (error != null) {
                session.abort(direction, error);
            } else {
                session.directionEnded();
            }
        });
    }
}
