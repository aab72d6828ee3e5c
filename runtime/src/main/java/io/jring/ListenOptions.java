package io.jring;

/**
 * How to listen.
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
    public static final ListenOptions DEFAULT = new ListenOptions(4096, true, true, 0);

    public ListenOptions {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be >= 1, got " + backlog);
        }
        if (receiveBufferSize < 0) {
            throw new IllegalArgumentException("receiveBufferSize must be >= 0 (0: the kernel's default), got "
                    + receiveBufferSize);
        }
    }

    /** The options without a receive buffer size: the kernel's default. */
    public ListenOptions(int backlog, boolean reusePort, boolean reuseAddress) {
        this(backlog, reusePort, reuseAddress, 0);
    }

    public ListenOptions withBacklog(int value) {
        return new ListenOptions(value, reusePort, reuseAddress, receiveBufferSize);
    }

    public ListenOptions withReusePort(boolean value) {
        return new ListenOptions(backlog, value, reuseAddress, receiveBufferSize);
    }

    public ListenOptions withReuseAddress(boolean value) {
        return new ListenOptions(backlog, reusePort, value, receiveBufferSize);
    }

    public ListenOptions withReceiveBufferSize(int bytes) {
        return new ListenOptions(backlog, reusePort, reuseAddress, bytes);
    }
}
