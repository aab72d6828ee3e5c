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
 * @param headerTimeout time for a request's headers to arrive, and for each piece of its body
 *                      ({@code --header-timeout-ms}); then a 408
 * @param maxUnsent     output a connection may have queued and not yet sent ({@code --max-unsent},
 *                      bytes); past it the server stops answering that connection until it drains
 * @param sendTimeout   how long output may stay stuck past {@code maxUnsent} before the client is
 *                      cut off ({@code --send-timeout-ms})
 */
record ServerConfig(StaticFiles files, long maxBody, Duration headerTimeout, long maxUnsent, Duration sendTimeout) {
    static final String[] OPTIONS = {"port", "host", "backend", "threads", "root", "max-body", "header-timeout-ms",
        "max-unsent", "send-timeout-ms"};

    static ServerConfig from(Args args) throws IOException {
        String root = args.get("root", null);
        return new ServerConfig(root == null ? null : new StaticFiles(Path.of(root)),
                positive(args, "max-body", 1 << 20),
                Duration.ofMillis(positive(args, "header-timeout-ms", 10_000)),
                positive(args, "max-unsent", 4 << 20),
                Duration.ofMillis(positive(args, "send-timeout-ms", 10_000)));
    }

    private static int positive(Args args, String name, int fallback) {
        int value = args.getInt(name, fallback);
        if (value <= 0) {
            throw new IllegalArgumentException("--" + name + " must be positive, got " + value);
        }
        return value;
    }
}
