package io.jring;

/**
 * How {@link IoRuntime#bindDatagram} sets up its socket before bind(2).
 *
 * @param broadcast          SO_BROADCAST: may send to broadcast addresses
 * @param reuseAddress       SO_REUSEADDR
 * @param receiveBufferSize  SO_RCVBUF in bytes (the kernel doubles it), or 0 for the system default
 * @param sendBufferSize     SO_SNDBUF in bytes, or 0 for the system default
 */
public record DatagramOptions(boolean broadcast, boolean reuseAddress, int receiveBufferSize, int sendBufferSize) {
    /** No option set: the kernel's defaults. */
    public static final DatagramOptions DEFAULT = new DatagramOptions(false, false, 0, 0);

    /** Checks that the buffer sizes are at least 0. */
    public DatagramOptions {
        if (receiveBufferSize < 0 || sendBufferSize < 0) {
            throw new IllegalArgumentException("buffer sizes must be >= 0 (0: the system default), got SO_RCVBUF="
                    + receiveBufferSize + " SO_SNDBUF=" + sendBufferSize);
        }
    }

    /**
     * These options with SO_BROADCAST on or off.
     *
     * @param value whether the socket may send to broadcast addresses
     * @return the new options
     */
    public DatagramOptions withBroadcast(boolean value) {
        return new DatagramOptions(value, reuseAddress, receiveBufferSize, sendBufferSize);
    }

    /**
     * These options with SO_REUSEADDR on or off.
     *
     * @param value whether to set SO_REUSEADDR before bind
     * @return the new options
     */
    public DatagramOptions withReuseAddress(boolean value) {
        return new DatagramOptions(broadcast, value, receiveBufferSize, sendBufferSize);
    }

    /**
     * These options with SO_RCVBUF set before bind.
     *
     * @param bytes the receive buffer size, or 0 for the system default
     * @return the new options
     */
    public DatagramOptions withReceiveBufferSize(int bytes) {
        return new DatagramOptions(broadcast, reuseAddress, bytes, sendBufferSize);
    }

    /**
     * These options with SO_SNDBUF set before bind.
     *
     * @param bytes the send buffer size, or 0 for the system default
     * @return the new options
     */
    public DatagramOptions withSendBufferSize(int bytes) {
        return new DatagramOptions(broadcast, reuseAddress, receiveBufferSize, bytes);
    }
}
