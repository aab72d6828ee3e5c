package io.jring.examples.herd;

import io.jring.examples.Args;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reproduces the seed article's thundering-herd table: for each way of wiring listening sockets,
 * epoll instances and eight threads, how many threads one new connection wakes (in the kernel,
 * and back to user space), and how many of their accepts succeed. It drives epoll and accept4
 * itself, through jring's bindings, not through {@code IoRuntime}.
 *
 * <pre>./jring example herd [--connections 100] [--settle-ms 10] [--warmup 200] [--rows all|article]</pre>
 */
public final class Herd {
    private static final int MAX_CONNECTIONS = 10_000;
    private static final int MAX_SETTLE_MS = 1_000;
    private static final Duration WARMUP_SETTLE = Duration.ofMillis(1);

    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("herd", () -> measure(argv));
    }

    private static void measure(String[] argv) throws Exception {
        Args args = Args.parse(argv, "connections", "settle-ms", "warmup", "rows");
        int connections = inRange(args, "connections", 100, 1, MAX_CONNECTIONS);
        Duration settle = Duration.ofMillis(inRange(args, "settle-ms", 10, 1, MAX_SETTLE_MS));
        int warmup = inRange(args, "warmup", 200, 0, MAX_CONNECTIONS);
        List<Scenario> scenarios = new ArrayList<>(Scenario.articleRows());
        String rows = args.get("rows", "all");
        switch (rows) {
            case "all" -> scenarios.addAll(Scenario.extraRows());
            case "article" -> { }
            default -> throw new IllegalArgumentException("--rows takes all or article, got '" + rows + "'");
        }

        // Ctrl-C: finish the connection in flight, close the row, print the rows already measured.
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean stopRequested = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopRequested.set(true);
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            System.out.println("herd: " + scenarios.size() + " rows, " + Scenario.THREADS + " threads, " + connections
                    + " connections per row one at a time, settle " + settle.toMillis() + " ms; backend=epoll"
                    + " (epoll_wait and accept4 called directly through jring's bindings, not through IoRuntime)");
            if (warmup > 0) {
                // Uncounted: the row measured first would otherwise also measure the JIT compiler.
                // Interpreted code is slower from epoll_wait's return to accept4, which gives
                // the threads woken behind the first more time to find the connection still queued.
                System.out.println("warm-up: " + warmup + " connections on row 1's wiring, not counted");
                HerdTrial.run(scenarios.getFirst(), warmup, WARMUP_SETTLE, stopRequested::get);
            }
            List<RowResult> results = new ArrayList<>();
            for (Scenario scenario : scenarios) {
                long start = System.nanoTime();
                Optional<RowResult> result = HerdTrial.run(scenario, connections, settle, stopRequested::get);
                if (result.isEmpty()) {
                    break;
                }
                results.add(result.get());
                System.out.println(String.format(Locale.ROOT, "row %d/%d: %s: %d connections in %.1f s", results.size(),
                        scenarios.size(), scenario.describe(), connections, (System.nanoTime() - start) / 1e9));
            }
            System.out.println();
            HerdTable.format(results).forEach(System.out::println);
            System.out.println();
            HerdTable.histograms(results).forEach(System.out::println);
            System.out.println();
            HerdTable.legend(connections).forEach(System.out::println);
            results.stream().filter(r -> r.strays() > 0).forEach(r -> System.out.println("warning: " + r.strays()
                    + " wakes or accepts matched no connection (" + r.scenario().describe() + ")"));
            if (results.size() < scenarios.size()) {
                System.out.println("herd: stopped after " + results.size() + " of " + scenarios.size() + " rows");
            }
        } finally {
            finished.countDown();
        }
    }

    private static int inRange(Args args, String name, int fallback, int min, int max) {
        int value = args.getInt(name, fallback);
        if (value < min || value > max) {
            throw new IllegalArgumentException("--" + name + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private Herd() {}
}
