package io.jring.bench.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The command line of {@code ./jring bench compare}. */
record Options(double duration, double runWarmup, int rounds, List<Integer> connections, List<Workload> workloads,
               List<String> servers, double jitWarmup, double syscallSeconds, double wrkSeconds, int idleConnections,
               boolean wrk, boolean syscalls, boolean quick, Path out) {

    static final List<String> ALL_SERVERS = List.of("jring-io_uring", "jring-epoll", "netty-epoll", "netty-io_uring",
            "nio", "jring-vt", "jdk-vt", "nginx", "c-liburing", "c-epoll");
    /** Servers run only when named: variants for a closer look, not peers. */
    static final List<String> EXTRA_SERVERS = List.of("jring-io_uring-1shot");

    static final String USAGE = """
            usage: ./jring bench compare [options]
              --duration S        measured seconds per run (default 3; --quick 1)
              --warmup S          unmeasured seconds before each run's window (default 0.5; --quick 0.3)
              --rounds R          interleaved rounds; the table shows median and min-max (default 3; --quick 1)
              --connections LIST  connections per run, e.g. 10,100,1000 (default; --quick 100)
              --workloads LIST    echo, http, http-p16 (pipelining depth 16; any http-pN works) (default all)
              --servers LIST      %s
                                  (default all of these; jring-io_uring-1shot, multishot recv off, only on request;
                                  a server that cannot start is reported and skipped)
              --idle N            idle connections for the memory pass, 0 to skip (default 10000; --quick 5000)
              --jit-warmup S      unmeasured seconds per server and workload before round 1 (default 2.5; --quick 0.8)
              --syscall-seconds S length of the perf-counted syscall pass per cell, 0 to skip (default 1; --quick 0.5)
              --wrk-seconds S     wrk cross-check per http cell, 0 to skip (default 2; --quick 1, pipelined cells only)
              --out DIR           results directory (default bench/results/<timestamp>)
              --quick             a smoke check that finishes in under two minutes
            """.formatted(String.join(",", ALL_SERVERS));

    static Options parse(String[] args, Path defaultOut) {
        boolean quick = Arrays.asList(args).contains("--quick");
        double duration = quick ? 1 : 3;
        double warmup = quick ? 0.3 : 0.5;
        int rounds = quick ? 1 : 3;
        List<Integer> connections = quick ? List.of(100) : List.of(10, 100, 1000);
        List<Workload> workloads = List.of(Workload.parse("echo"), Workload.parse("http"), Workload.parse("http-p16"));
        List<String> servers = ALL_SERVERS;
        double jit = quick ? 0.8 : 2.5;
        double sys = quick ? 0.5 : 1;
        double wrkSeconds = quick ? 1 : 2;
        int idle = quick ? 5_000 : 10_000;
        Path out = null;
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
                    case "--jit-warmup" -> jit = Double.parseDouble(v);
                    case "--syscall-seconds" -> sys = Double.parseDouble(v);
                    case "--wrk-seconds" -> wrkSeconds = Double.parseDouble(v);
                    case "--out" -> out = Path.of(v);
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
                wrkSeconds > 0, sys > 0, quick, out != null ? out : defaultOut);
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

    private static List<Integer> ints(String v) {
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

    /** A workload: echo of 64-byte messages, or GET / with a pipelining depth. */
    record Workload(String name, boolean http, int depth) {
        static Workload parse(String s) {
            if (s.equals("echo")) {
                return new Workload("echo", false, 1);
            }
            if (s.equals("http")) {
                return new Workload("http", true, 1);
            }
            if (s.matches("http-p[0-9]+")) {
                int depth = Integer.parseInt(s.substring(6));
                if (depth < 1 || depth > 256) {
                    throw new UsageException("pipelining depth must be 1..256: " + s);
                }
                return new Workload(s, true, depth);
            }
            throw new UsageException("unknown workload " + s + "; workloads: echo, http, http-p16 (http-pN)");
        }

        String describe() {
            return http ? (depth == 1 ? "GET / → 200 \"Hello, World!\", keep-alive, one request at a time"
                    : "GET / → 200 \"Hello, World!\", keep-alive, " + depth + " requests pipelined per batch")
                    : "64-byte messages echoed, one at a time per connection";
        }
    }
}
