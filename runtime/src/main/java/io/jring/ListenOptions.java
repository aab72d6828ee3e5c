package io.jring;

/**
 * How to listen. On a Unix domain address only the backlog and the receive buffer size apply:
 * a Unix listener is always one socket shared by every loop, and SO_REUSEPORT/SO_REUSEADDR are
 * not set on it (see {@link IoRuntime#listen(java.net.SocketAddress, ListenOptions)}).
 *
 * @param backlog      the accept queue length passed to listen(2)
 * @param reusePort    one socket per loop with SO_REUSEPORT (default), or one socket shared by all
 *                     loops (the epoll driver then registers it with EPOLLEXCLUSIVE)
 * @param reuseAddress SO_REUSEADDR, so a restarted server can bind while old connections linger
 * @param receiveBufferSize SO_RCVBUF in bytes for the listening socket, which accepted
 *                     connections inherit; 0 keeps the kernel's default (autotuning). Set here
 *                     rather than per connection when it must shape the window the handshake
 *                     announces.
 */
public record ListenOptions(int backlog, boolean reusePort, boolean reuseAddress, int receiveBufferSize) {
    /** A backlog of 4096, SO_REUSEPORT and SO_REUSEADDR on, the kernel's receive buffer size. */
    public static final ListenOptions DEFAULT = new ListenOptions(4096, true, true, 0);

    /** Checks the values: a backlog of at least 1 and a receive buffer size of at least 0. */
    public ListenOptions {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be >= 1, got " + backlog);
        }
        if (receiveBufferSize < 0) {
            throw new IllegalArgumentException("receiveBufferSize must be >= 0 (0: the kernel's default), got "
                    + receiveBufferSize);
        }
    }

    /**
     * The options without a receive buffer size: the kernel's default.
     *
     * @param backlog the accept queue length passed to listen(2)
     * @param reusePort one socket per loop with SO_REUSEPORT, or one shared socket
     * @param reuseAddress SO_REUSEADDR
     */
    public ListenOptions(int backlog, boolean reusePort, boolean reuseAddress) {
        this(backlog, reusePort, reuseAddress, 0);
    }

    /**
     * These options with another backlog.
     *
     * @param value the accept queue length passed to listen(2) (the kernel caps it at
     *     {@code net.core.somaxconn})
     * @return the new options
     */
    public ListenOptions withBacklog(int value) {
        return new ListenOptions(value, reusePort, reuseAddress, receiveBufferSize);
    }

    /**
     * These options with SO_REUSEPORT on (one listening socket per loop, the kernel spreads
     * connections) or off (one socket shared by every loop).
     *
     * @param value whether to use SO_REUSEPORT
     * @return the new options
     */
    public ListenOptions withReusePort(boolean value) {
        return new ListenOptions(backlog, value, reuseAddress, receiveBufferSize);
    }

    /**
     * These options with SO_REUSEADDR on or off.
     *
     * @param value whether a restarted server may bind while old connections linger in TIME_WAIT
     * @return the new options
     */
    public ListenOptions withReuseAddress(boolean value) {
        return new ListenOptions(backlog, reusePort, value, receiveBufferSize);
    }

    /**
     * These options with SO_RCVBUF set on the listening socket before listen(2), so accepted
     * connections inherit it and their handshake announces a window that fits.
     *
     * @param bytes the receive buffer size, or 0 for the kernel's default (autotuning)
     * @return the new options
     */
    public ListenOptions withReceiveBufferSize(int bytes) {
        return new ListenOptions(backlog, reusePort, reuseAddress, bytes);
    }
}
