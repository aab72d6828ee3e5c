package io.jring.bench.compare;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs a C load generator pinned to the generator CPU and takes the measurements around its
 * measured window: the server's CPU time (user and system apart), both CPUs' counters, and (in
 * the syscall pass) perf's counts. Load runs use {@code uringgen.c}, built to cost as little per
 * request as a client can so that the server is the bottleneck; the idle-memory pass (and load
 * runs where uringgen cannot be built) use {@code loadgen.c}, an epoll client that parses every
 * answer.
 */
final class LoadGen {
    /** Above this share of its CPU the generator, not the server, may be what limits a run. */
    static final double GENERATOR_BOUND = 0.90;

    private final Toolchain tools;
    private final Path binary;
    private final Path idleBinary;
    private final String generator;
    private final Path errLog;

    LoadGen(Toolchain tools, Path binary, Path idleBinary, Path errLog) {
        this.tools = tools;
        this.binary = binary;
        this.idleBinary = idleBinary;
        this.generator = binary.getFileName().toString();
        this.errLog = errLog;
    }

    String generator() {
        return generator;
    }

    int serverCpu() {
        return tools.pinned() ? 1 : -1;
    }

    int generatorCpu() {
        return tools.pinned() ? 0 : -1;
    }

    private Process start(int port, Options.Workload w, int conns, double warmup, double duration) throws IOException {
        List<String> cmd = new ArrayList<>(tools.pin(0));
        cmd.addAll(List.of(binary.toString(), "--port", Integer.toString(port), "--mode", w.http() ? "http" : "echo",
                "--conns", Integer.toString(conns), "--depth", Integer.toString(w.depth()),
                "--warmup", Double.toString(warmup), "--duration", Double.toString(duration)));
        if (!w.http()) {
            cmd.addAll(List.of("--size", Integer.toString(w.size())));
        }
        return Children.start(new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile())));
    }

    /** A measured run: the generator's figures and the server's CPU over the same window. */
    record Run(String server, String workload, int conns, int depth, int round, double seconds, long requests,
               double rps, double p50, double p90, double p99, double p999, double max, long errors,
               long serverCpuNanos, long serverCpuTicksBusy, long serverCpuTicksSoftirq, long serverCpuTicksTotal,
               long genCpuTicksBusy, long genCpuTicksTotal, long serverUserTicks, long serverSystemTicks,
               String generator, String failure) {

        boolean ok() {
            return failure == null && requests > 0;
        }

        /** The server process's own CPU time per request (µs). */
        double cpuUsPerRequest() {
            return ok() && serverCpuNanos >= 0 ? serverCpuNanos / 1000.0 / requests : Double.NaN;
        }

        /** Everything the server's CPU did per request (µs), softirq and other processes included. */
        double cpuCoreUsPerRequest() {
            return ok() && serverCpuTicksTotal > 0 ? serverCpuTicksBusy * (1e6 / Proc.TICKS_PER_SECOND) / requests : Double.NaN;
        }

        double softirqUsPerRequest() {
            return ok() && serverCpuTicksTotal > 0 ? serverCpuTicksSoftirq * (1e6 / Proc.TICKS_PER_SECOND) / requests : Double.NaN;
        }

        /** Share of one CPU the server process used (0..1+). */
        double serverCpuShare() {
            return ok() && seconds > 0 ? serverCpuNanos / 1e9 / seconds : Double.NaN;
        }

        /** Share of its CPU the generator's CPU was busy (0..1). */
        double generatorCpuShare() {
            return ok() && genCpuTicksTotal > 0 ? (double) genCpuTicksBusy / genCpuTicksTotal : Double.NaN;
        }

        /** Whether the generator's CPU was so busy that it, not the server, may have set the pace. */
        boolean generatorBound() {
            return generatorCpuShare() > GENERATOR_BOUND;
        }

        /** The server process's user time per request (µs), from /proc/PID/stat. */
        double userUsPerRequest() {
            return ok() && serverUserTicks >= 0 ? serverUserTicks * (1e6 / Proc.TICKS_PER_SECOND) / requests : Double.NaN;
        }

        /** The server process's system time per request (µs), from /proc/PID/stat. */
        double systemUsPerRequest() {
            return ok() && serverSystemTicks >= 0 ? serverSystemTicks * (1e6 / Proc.TICKS_PER_SECOND) / requests : Double.NaN;
        }

        static Run failed(String server, String workload, int conns, int depth, int round, String why) {
            return new Run(server, workload, conns, depth, round, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, 0, -1, 0, 0, 0, 0, 0, -1, -1, "", why);
        }
    }

    /** One measured run against {@code server}. */
    Run measure(Server server, Options.Workload w, int conns, int round, double warmup, double duration) {
        String name = server.spec.name();
        try {
            Process p = start(server.port(w), w, conns, warmup, duration);
            // A generator that hangs (a server that stopped answering mid-handshake) must not stall the bench.
            var watchdog = java.util.concurrent.CompletableFuture.delayedExecutor(
                    (long) ((warmup + duration) * 1000) + 30_000, TimeUnit.MILLISECONDS);
            var timer = java.util.concurrent.CompletableFuture.runAsync(() -> Children.stop(p, 1000), watchdog);
            try (BufferedReader out = reader(p)) {
                long cpu0 = 0;
                Proc.UserSystem us0 = null;
                Proc.UserSystem us1 = null;
                Proc.CpuTimes s0 = null;
                Proc.CpuTimes g0 = null;
                long cpu1 = 0;
                Proc.CpuTimes s1 = null;
                Proc.CpuTimes g1 = null;
                Map<String, String> result = null;
                String line;
                while ((line = out.readLine()) != null) {
                    Map<String, String> f = Json.parse(line);
                    if ("measure".equals(f.get("phase"))) {
                        s0 = Proc.cpu(serverCpu());
                        g0 = Proc.cpu(generatorCpu());
                        cpu0 = Proc.cpuNanos(server.pid());
                        us0 = Proc.userSystemTicks(server.pid());
                    } else if ("end".equals(f.get("phase"))) {
                        cpu1 = Proc.cpuNanos(server.pid());
                        us1 = Proc.userSystemTicks(server.pid());
                        s1 = Proc.cpu(serverCpu());
                        g1 = Proc.cpu(generatorCpu());
                    } else if (f.containsKey("rps")) {
                        result = f;
                    }
                }
                timer.cancel(false);
                finish(p, warmup + duration);
                if (result == null || s0 == null || s1 == null) {
                    return Run.failed(name, w.name(), conns, w.depth(), round,
                            "load generator ended without a result (exit " + exit(p) + ", see " + errLog.getFileName() + ")");
                }
                if (!server.process.isAlive()) {
                    return Run.failed(name, w.name(), conns, w.depth(), round, "server died: " + server.tail());
                }
                Proc.CpuTimes sd = s1.minus(s0);
                Proc.CpuTimes gd = g1.minus(g0);
                Proc.UserSystem usd = us1.minus(us0);
                long errors = (long) Json.number(result, "errors");
                Run run = new Run(name, w.name(), conns, w.depth(), round, Json.number(result, "duration_s"),
                        (long) Json.number(result, "requests"), Json.number(result, "rps"), Json.number(result, "p50_us"),
                        Json.number(result, "p90_us"), Json.number(result, "p99_us"), Json.number(result, "p999_us"),
                        Json.number(result, "max_us"), errors, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1,
                        sd.busy(), sd.softirq(), sd.total(), gd.busy(), gd.total(), usd.user(), usd.system(), generator,
                        errors > 0 ? errors + " connection errors (or answers that differ from the reference)" : null);
                return run;
            }
        } catch (IOException e) {
            return Run.failed(name, w.name(), conns, w.depth(), round, e.getMessage());
        }
    }

    /** Syscalls per request, counted by perf in a separate run (never the measured ones). */
    record SyscallCount(String server, String workload, int conns, long syscalls, long requests, double seconds,
                        String failure) {
        double perRequest() {
            return failure == null && requests > 0 ? (double) syscalls / requests : Double.NaN;
        }
    }

    /**
     * Attaches {@code perf stat -I 250 -e raw_syscalls:sys_enter} to the server under load, and
     * counts the requests answered over the same whole intervals: the generator prints its
     * running total when it gets SIGUSR1, sent right as perf reports an interval.
     */
    SyscallCount countSyscalls(Server server, Options.Workload w, int conns, Path perf, double warmup, double seconds) {
        SyscallCount count = countSyscallsOnce(server, w, conns, perf, warmup, seconds);
        if (count.failure() != null && count.failure().contains("not counted")) {
            // perf now and then reports an interval as <not counted> right after attaching: once more.
            count = countSyscallsOnce(server, w, conns, perf, 0.3, seconds);
        }
        return count;
    }

    private SyscallCount countSyscallsOnce(Server server, Options.Workload w, int conns, Path perf, double warmup,
                                           double seconds) {
        String name = server.spec.name();
        int intervals = Math.max(1, (int) Math.round(seconds / 0.25));
        Process gen = null;
        Process perfProcess = null;
        try {
            gen = start(server.port(w), w, conns, warmup, intervals * 0.25 + 2.0);
            BlockingQueue<String> genLines = drain(gen.getInputStream());
            waitFor(genLines, "\"phase\":\"measure\"", (long) (warmup * 1000) + 15_000);
            List<String> cmd = new ArrayList<>(tools.pin(0));
            cmd.addAll(List.of(perf.toString(), "stat", "-x,", "-I", "250", "-e", "raw_syscalls:sys_enter",
                    "-p", Long.toString(server.pid())));
            perfProcess = Children.start(new ProcessBuilder(cmd).redirectErrorStream(true));
            BlockingQueue<String> perfLines = drain(perfProcess.getInputStream());
            nextInterval(perfLines); // the first interval includes perf attaching: skip it
            Children.signal(gen, Children.SIGUSR1);
            long syscalls = 0;
            for (int i = 0; i < intervals; i++) {
                syscalls += nextInterval(perfLines);
            }
            Children.signal(gen, Children.SIGUSR1);
            long markA = (long) Json.number(Json.parse(waitFor(genLines, "\"mark\"", 2000)), "mark");
            long markB = (long) Json.number(Json.parse(waitFor(genLines, "\"mark\"", 2000)), "mark");
            Children.signal(perfProcess, Children.SIGINT);
            long requests = markB - markA;
            return new SyscallCount(name, w.name(), conns, syscalls, requests, intervals * 0.25,
                    requests > 0 ? null : "no answers during the counted intervals (a stalled server?)");
        } catch (IOException | RuntimeException e) {
            return new SyscallCount(name, w.name(), conns, 0, 0, 0, e.getMessage());
        } finally {
            if (perfProcess != null) {
                Children.stop(perfProcess, 2000);
            }
            if (gen != null) {
                Children.stop(gen, 5000);
            }
        }
    }

    /** Holds {@code conns} idle connections (each served once) until {@link Idle#close()}. */
    final class Idle implements AutoCloseable {
        final Process process;
        final int ready;
        final long errors;

        Idle(int port, boolean http, int conns) throws IOException {
            List<String> cmd = new ArrayList<>(tools.pin(0));
            cmd.addAll(List.of(idleBinary.toString(), "--port", Integer.toString(port), "--mode", "idle",
                    "--conns", Integer.toString(conns)));
            if (http) {
                cmd.add("--idle-http");
            }
            process = Children.start(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile())));
            BlockingQueue<String> lines = drain(process.getInputStream());
            Map<String, String> f = Json.parse(waitFor(lines, "\"ready\"", 60_000));
            ready = (int) Json.number(f, "ready");
            errors = (long) Json.number(f, "errors");
        }

        @Override
        public void close() {
            try (OutputStream in = process.getOutputStream()) {
                in.flush();
            } catch (IOException ignored) {
                // it may have gone already
            }
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Children.stop(process, 2000);
        }
    }

    private static long nextInterval(BlockingQueue<String> perfLines) throws IOException {
        while (true) {
            String line = poll(perfLines, 5000, "perf stat interval");
            String[] f = line.trim().split(",");
            if (f.length >= 4 && f[3].contains("raw_syscalls")) {
                try {
                    return Long.parseLong(f[1]);
                } catch (NumberFormatException e) {
                    throw new IOException("perf could not count: " + line);
                }
            }
            if (line.contains("rror") || line.contains("denied") || line.contains("No permission")) {
                throw new IOException("perf: " + line);
            }
        }
    }

    private static String waitFor(BlockingQueue<String> lines, String marker, long millis) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            String line = poll(lines, Math.max(1, deadline - System.currentTimeMillis()), marker);
            if (line.contains(marker)) {
                return line;
            }
        }
    }

    private static String poll(BlockingQueue<String> lines, long millis, String what) throws IOException {
        try {
            String line = lines.poll(millis, TimeUnit.MILLISECONDS);
            if (line == null || line == EOF) {
                throw new IOException("timed out or ended waiting for " + what);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static final String EOF = new String("<eof>");

    private static BlockingQueue<String> drain(java.io.InputStream in) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    q.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            q.add(EOF);
        }, "bench-drain");
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void finish(Process p, double expectedSeconds) {
        try {
            if (!p.waitFor((long) (expectedSeconds * 1000) + 30_000, TimeUnit.MILLISECONDS)) {
                Children.stop(p, 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Children.stop(p, 1000);
        }
    }

    private static String exit(Process p) {
        return p.isAlive() ? "still running" : Integer.toString(p.exitValue());
    }
}
