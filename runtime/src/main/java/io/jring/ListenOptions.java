package io.jring;

/**
 * How to listen.
 *
 * @param backlog      the accept queue length passed to listen(2)
 * @param reusePort    one socket per loop with SO_REUSEPORT (default), or one socket shared by all
 *                     loops (the epoll driver then registers it with EPOLLEXCLUSIVE)
 * @param reuseAddress SO_REUSEADDR, so a restarted server can bind while old connections linger
 */
public record ListenOptions(int backlog, boolean reusePort, boolean reuseAddress) {
    public static final ListenOptions DEFAULT = new ListenOptions(4096, true, true);

    public ListenOptions {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be >= 1, got " + backlog);
        }
    }

    public ListenOptions withBacklog(int value) {
        return new ListenOptions(value, reusePort, reuseAddress);
    }

    public ListenOptions withReusePort(boolean value) {
        return new ListenOptions(backlog, value, reuseAddress);
    }
}
