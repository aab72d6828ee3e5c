package io.jring;

/** The kernel interface a runtime drives: completions (io_uring) or readiness (epoll). */
public enum Backend {
    IO_URING("io_uring"),
    EPOLL("epoll");

    private final String label;

    Backend(String label) {
        this.label = label;
    }

    /** {@code io_uring} or {@code epoll}: the name used by options, properties and logs. */
    public String label() {
        return label;
    }

    /** Parses {@code io_uring}/{@code uring}/{@code epoll} (case-insensitive). */
    public static Backend parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "io_uring", "iouring", "uring", "io-uring" -> IO_URING;
            case "epoll" -> EPOLL;
            default -> throw new IllegalArgumentException(
                    "unknown backend '" + text + "': use io_uring or epoll");
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
