package io.jring;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One datagram a {@link DatagramEndpoint} received.
 *
 * @param payload   its bytes, between the reader and writer index of a pooled buffer that you
 *                  own and must {@link IoBuffer#release() release} (or give to a send, which
 *                  takes it); empty for a 0-byte datagram, which is a datagram like any other,
 *                  not an end of stream
 * @param sender    the address it came from
 * @param truncated whether the kernel cut it short ({@code MSG_TRUNC}): it was bigger than the
 *                  buffer that received it. jring's receive buffers hold the largest UDP payload
 *                  (65,527 bytes), so for UDP this stays false; it is reported, not assumed
 */
public record Datagram(IoBuffer payload, InetSocketAddress sender, boolean truncated) {
    /** Checks that payload and sender are present. */
    public Datagram {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(sender, "sender");
    }

    /** Releases the payload: {@code payload().release()}. */
    public void release() {
        payload.release();
    }
}
