package io.jring;

/** The kernel interface a runtime drives: completions (io_uring) or readiness (epoll). */
public enum Backend {
    /** io_uring through liburing: a completion-based proactor (kernel 5.11+, best on 6.0+). */
    IO_URING("io_uring"),
    /** epoll: a readiness-based reactor, the fallback where io_uring is missing or refused. */
    EPOLL("epoll");

    private final String label;

    Backend(String label) {
        this.label = label;
    }

    /**
     * The name used by options, properties and logs.
     *
     * @return {@code io_uring} or {@code epoll}
     */
    public String label() {
        return label;
    }

    /**
     * Parses a backend's name, as {@code -Djring.backend} and the examples' {@code --backend} do.
     *
     * @param text {@code io_uring} (or {@code uring}, {@code iouring}, {@code io-uring}) or
     *     {@code epoll}, in any case
     * @return the backend
     * @throws IllegalArgumentException for any other text, naming the two choices
     */
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
