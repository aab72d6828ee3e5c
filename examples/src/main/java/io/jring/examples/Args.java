package io.jring.examples;

import io.jring.Backend;
import io.jring.IoRuntimeOptions;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options shared by the examples; unknown flags are an error. */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    private Args() {}

    public static Args parse(String[] argv, String... known) {
        Args args = new Args();
        for (int i = 0; i < argv.length; i++) {
            String flag = argv[i];
            String name = flag.startsWith("--") ? flag.substring(2) : null;
            if (name == null || !java.util.List.of(known).contains(name)) {
                throw new IllegalArgumentException("unknown option " + flag + "; options: --" + String.join(" --", known));
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            args.values.put(name, argv[++i]);
        }
        return args;
    }

    /** The body of an example's main. */
    public interface Body {
        void run() throws Exception;
    }

    /** Runs an example; bad options and I/O failures end it with one clear line and exit status 1. */
    public static void runOrExplain(String example, Body body) throws Exception {
        try {
            body.run();
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println(example + ": " + e.getMessage());
            System.exit(1);
        }
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public int getInt(String name, int fallback) {
        String value = values.get(name);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a number, got '" + value + "'");
        }
    }

    /**
     * Where to listen: {@code --unix PATH} (a Unix domain socket file; {@code --unix @NAME} for a
     * Linux abstract name), else {@code --host} (default 127.0.0.1) and {@code --port}.
     */
    public java.net.SocketAddress listenAddress(int defaultPort) {
        String unix = values.get("unix");
        if (unix == null) {
            return new java.net.InetSocketAddress(get("host", "127.0.0.1"), getInt("port", defaultPort));
        }
        if (values.containsKey("port") || values.containsKey("host")) {
            throw new IllegalArgumentException("--unix and --port/--host exclude each other: listen on one or the other");
        }
        return unix.startsWith("@") ? io.jring.AbstractUnixAddress.of(unix.substring(1))
                : java.net.UnixDomainSocketAddress.of(unix);
    }

    /** Runtime options from {@code --threads} and {@code --backend}. */
    public IoRuntimeOptions runtimeOptions() {
        IoRuntimeOptions options = IoRuntimeOptions.defaults();
        if (values.containsKey("threads")) {
            options = options.withThreads(getInt("threads", 1));
        }
        if (values.containsKey("backend")) {
            options = options.withBackend(Backend.parse(values.get("backend")));
        }
        return options;
    }
}
