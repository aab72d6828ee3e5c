package io.jring.examples.http;

import io.jring.examples.Args;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The http example's limits, from the command line.
 *
 * @param files         static files, or null without {@code --root}
 * @param maxBody       largest request body accepted ({@code --max-body}, bytes); larger is a 413
 * @param headerTimeout time for a request's headers to arrive, and the longest pause allowed
 *                      within its body ({@code --header-timeout-ms}); then a 408
 * @param bodyTimeout   time any body may take to arrive, however small ({@code --body-timeout-ms})
 * @param minBodyRate   bytes per second a body must average once it needs longer than that
 *                      ({@code --min-body-rate}): a body of {@code n} bytes must arrive within
 *                      {@code max(bodyTimeout, n / minBodyRate)}, else a 408
 * @param maxUnsent     output a connection may have queued and not yet sent ({@code --max-unsent},
 *                      bytes); past it the server stops answering that connection until it drains
 * @param sendTimeout   how long output may stay stuck past {@code maxUnsent} before the client is
 *                      cut off ({@code --send-timeout-ms})
 */
record ServerConfig(StaticFiles files, long maxBody, Duration headerTimeout, Duration bodyTimeout, long minBodyRate,
                    long maxUnsent, Duration sendTimeout) {
    static final String[] OPTIONS = {"port", "host", "unix", "backend", "threads", "root", "max-body", "header-timeout-ms",
        "body-timeout-ms", "min-body-rate", "max-unsent", "send-timeout-ms"};

    static ServerConfig from(Args args) throws IOException {
        String root = args.get("root", null);
        return new ServerConfig(root == null ? null : new StaticFiles(Path.of(root)),
                positive(args, "max-body", 1 << 20),
                Duration.ofMillis(positive(args, "header-timeout-ms", 10_000)),
                Duration.ofMillis(positive(args, "body-timeout-ms", 10_000)),
                positive(args, "min-body-rate", 32 << 10),
                positive(args, "max-unsent", 4 << 20),
                Duration.ofMillis(positive(args, "send-timeout-ms", 10_000)));
    }

    /**
     * How long a body of {@code announced} bytes may take to arrive, counting only the time spent
     * waiting for it: the body timeout, or longer at the minimum rate for a large body.
     */
    Duration bodyAllowance(long announced) {
        // announced is at most maxBody (a 32-bit flag), so the product stays far from overflow
        long atMinimumRate = announced * 1_000_000_000L / minBodyRate;
        return Duration.ofNanos(Math.max(bodyTimeout.toNanos(), atMinimumRate));
    }

    private static int positive(Args args, String name, int fallback) {
        int value = args.getInt(name, fallback);
        if (value <= 0) {
            throw new IllegalArgumentException("--" + name + " must be positive, got " + value);
        }
        return value;
    }
}
