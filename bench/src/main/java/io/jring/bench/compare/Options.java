package io.jring.bench.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The command line of {@code ./jring bench compare}. */
record Options(double duration, double runWarmup, int rounds, List<Integer> connections, List<Workload> workloads,
               List<String> servers, double jitWarmup, double syscallSeconds, double wrkSeconds, int idleConnections,
               boolean wrk, boolean syscalls, boolean quick, String generator, int httpsRounds, Path out) {

    static final List<String> ALL_SERVERS = List.of("jring-io_uring", "jring-io_uring-push", "jring-epoll",
            "netty-epoll", "netty-io_uring", "nio", "jring-vt", "jdk-vt", "nginx", "c-liburing", "c-epoll", "tomcat-jdk", "tomcat-jring");
    /** Servers run only when named: variants for a closer look, not peers. */
    static final List<String> EXTRA_SERVERS = List.of("jring-io_uring-1shot");

    static final String USAGE = """
            usage: ./jring bench compare [options]
              --duration S        measured seconds per run (default 3; --quick 1)
              --warmup S          unmeasured seconds before each run's window (default 0.5; --quick 0.3)
              --rounds R          interleaved rounds; the table shows median and min-max (default 3; --quick 1)
              --connections LIST  connections per run for workloads without @N, e.g. 10,100,1000
                                  (default 10,100,1000; --quick 100)
              --workloads LIST    echo (64 B), echo-1m (any echo-SIZE), http, http-p16 (pipelining depth 16; any
                                  http-pN); NAME@N+N runs it at those connection counts only
                                  (default echo@1+1000, http@1000, http-p16@100, http-p64@100, echo-1m@10;
                                  --quick echo, http, http-p16 at --connections)
              --servers LIST      %s
                                  (default all of these; jring-io_uring-1shot, multishot recv off, only on request;
                                  a server that cannot start is reported and skipped)
              --idle N            idle connections for the memory pass, 0 to skip (default 10000; --quick 5000)
              --jit-warmup S      unmeasured seconds per server and workload before round 1 (default 2.5; --quick 0.8)
              --syscall-seconds S length of the perf-counted syscall pass per cell, 0 to skip (default 1; --quick 0.5)
              --wrk-seconds S     wrk cross-check per http cell, 0 to skip (default 2; --quick 1, pipelined cells only)
              --generator G       uringgen (default: one io_uring, answers counted by length, a sample checked
                                  byte for byte) or loadgen (epoll, parses every answer; the old generator)
              --https R           rounds of the https cells (jring + TLS, Netty SslHandler, nginx ssl, loaded by
                                  wrk: bench/https-cells.sh) after the rest, 0 to skip (default 3; --quick 0)
              --out DIR           results directory (default bench/results/<timestamp>)
              --quick             a smoke check that finishes in under two minutes
            """.formatted(String.join(",", ALL_SERVERS));

    static Options parse(String[] args, Path defaultOut) {
        boolean quick = Arrays.asList(args).contains("--quick");
        double duration = quick ? 1 : 3;
        double warmup = quick ? 0.3 : 0.5;
        int rounds = quick ? 1 : 3;
        List<Integer> connections = quick ? List.of(100) : List.of(10, 100, 1000);
        // The cells: the main four, plus where io_uring is known to lose (one connection's
        // latency, 1 MiB payloads), so the report is honest both ways.
        List<Workload> workloads = (quick ? List.of("echo", "http", "http-p16")
                : List.of("echo@1+1000", "http@1000", "http-p16@100", "http-p64@100", "echo-1m@10"))
                .stream().map(Workload::parse).toList();
        List<String> servers = ALL_SERVERS;
        double jit = quick ? 0.8 : 2.5;
        double sys = quick ? 0.5 : 1;
        double wrkSeconds = quick ? 1 : 2;
        int idle = quick ? 5_000 : 10_000;
        Path out = null;
        String generator = "uringgen";
        int httpsRounds = quick ? 0 : 3;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                continue;
            }
            if (a.equals("-h") || a.equals("--help")) {
                throw new UsageException(null);
            }
            if (i + 1 >= args.length) {
                throw new UsageException("missing value after " + a);
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--duration" -> duration = positive(a, Double.parseDouble(v));
                    case "--warmup" -> warmup = Double.parseDouble(v);
                    case "--rounds" -> rounds = (int) positive(a, Integer.parseInt(v));
                    case "--connections" -> connections = ints(v);
                    case "--workloads" -> workloads = split(v).stream().map(Workload::parse).toList();
                    case "--servers" -> servers = servers(v);
                    case "--idle" -> idle = Integer.parseInt(v);
                    case "--https" -> httpsRounds = Integer.parseInt(v);
                    case "--jit-warmup" -> jit = Double.parseDouble(v);
                    case "--syscall-seconds" -> sys = Double.parseDouble(v);
                    case "--wrk-seconds" -> wrkSeconds = Double.parseDouble(v);
                    case "--out" -> out = Path.of(v);
                    case "--generator" -> {
                        if (!v.equals("uringgen") && !v.equals("loadgen")) {
                            throw new UsageException("--generator is uringgen or loadgen, not " + v);
                        }
                        generator = v;
                    }
                    default -> throw new UsageException("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                throw new UsageException("not a number after " + a + ": " + v);
            }
        }
        if (idle > 15_000) {
            // RLIMIT_NOFILE is 20000 here and cannot be raised: the generator holds the client ends.
            throw new UsageException("--idle " + idle + " is above 15000; the open-file limit will not hold it");
        }
        return new Options(duration, warmup, rounds, connections, workloads, servers, jit, sys, wrkSeconds, idle,
                wrkSeconds > 0, sys > 0, quick, generator, Math.max(0, httpsRounds), out != null ? out : defaultOut);
    }

    private static double positive(String option, double value) {
        if (!(value > 0)) {
            throw new UsageException(option + " must be positive");
        }
        return value;
    }

    private static List<String> split(String v) {
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    static List<Integer> ints(String v) {
        List<Integer> out = new ArrayList<>();
        for (String s : split(v)) {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 15_000) {
                throw new UsageException("connections must be 1..15000, got " + n);
            }
            out.add(n);
        }
        return List.copyOf(out);
    }

    private static List<String> servers(String v) {
        List<String> out = new ArrayList<>();
        for (String s : split(v)) {
            String name = switch (s) {
                case "jring", "jring-uring", "jring-iouring" -> "jring-io_uring";
                case "netty-uring", "netty-iouring" -> "netty-io_uring";
                case "c-uring", "c-io_uring" -> "c-liburing";
                default -> s;
            };
            if (!ALL_SERVERS.contains(name) && !EXTRA_SERVERS.contains(name)) {
                throw new UsageException("unknown server " + s + "; servers: " + String.join(",", ALL_SERVERS)
                        + " and, on request only, " + String.join(",", EXTRA_SERVERS));
            }
            out.add(name);
        }
        return List.copyOf(out);
    }

    /** Bad command line: the message, then the usage. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** The connection counts of {@code w}: its own ({@code name@N+N}), else {@code --connections}. */
    List<Integer> connections(Workload w) {
        return w.connections().isEmpty() ? connections : w.connections();
    }

    /** Every connection count any workload runs with, ascending. */
    List<Integer> allConnections() {
        return workloads.stream().flatMap(w -> connections(w).stream()).distinct().sorted().toList();
    }

    /**
     * A workload: echo of {@code size}-byte messages ({@code echo} 64 B, {@code echo-1m},
     * {@code echo-4k}...), or GET / with a pipelining depth ({@code http}, {@code http-pN}); with
     * {@code @N+N} it runs at those connection counts whatever {@code --connections} says.
     */
    record Workload(String name, boolean http, int depth, int size, List<Integer> connections) {
        static Workload parse(String spec) {
            int at = spec.indexOf('@');
            String s = at < 0 ? spec : spec.substring(0, at);
            List<Integer> conns = at < 0 ? List.of() : ints(spec.substring(at + 1).replace('+', ','));
            if (s.equals("echo")) {
                return new Workload("echo", false, 1, 64, conns);
            }
            if (s.matches("echo-[0-9]+[km]?")) {
                String n = s.substring(5);
                int unit = n.endsWith("k") ? 1024 : n.endsWith("m") ? 1024 * 1024 : 1;
                long size = Long.parseLong(unit == 1 ? n : n.substring(0, n.length() - 1)) * unit;
                if (size < 1 || size > 16 * 1024 * 1024) {
                    throw new UsageException("echo size must be 1 B..16 MiB: " + s);
                }
                return new Workload(s, false, 1, (int) size, conns);
            }
            if (s.equals("http")) {
                return new Workload("http", true, 1, 0, conns);
            }
            if (s.matches("http-p[0-9]+")) {
                int depth = Integer.parseInt(s.substring(6));
                if (depth < 1 || depth > 256) {
                    throw new UsageException("pipelining depth must be 1..256: " + s);
                }
                return new Workload(s, true, depth, 0, conns);
            }
            throw new UsageException("unknown workload " + s
                    + "; workloads: echo, echo-1m (echo-SIZE), http, http-p16 (http-pN), each optionally @N+N");
        }

        String describe() {
            return http ? (depth == 1 ? "GET / → 200 \"Hello, World!\", keep-alive, one request at a time"
                    : "GET / → 200 \"Hello, World!\", keep-alive, " + depth + " requests pipelined per batch")
                    : sizeText() + " messages echoed, one at a time per connection";
        }

        private String sizeText() {
            return size >= 1024 * 1024 && size % (1024 * 1024) == 0 ? size / (1024 * 1024) + " MiB"
                    : size >= 1024 && size % 1024 == 0 ? size / 1024 + " KiB" : size + "-byte";
        }
    }
}
