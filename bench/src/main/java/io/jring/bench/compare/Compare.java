package io.jring.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./jring bench compare}: jring against its peers, one server process at a time on its
 * own CPU, a C load generator on the other.
 *
 * <ol>
 *   <li>Start every server (pinned to CPU 1), all at once; they stay up for the whole run.</li>
 *   <li>Warm each one up per workload (JIT), then count its syscalls per request with perf, in
 *       runs that are never the measured ones.</li>
 *   <li>Measured rounds: for each workload and connection count, every server once, in an
 *       order rotated each round (A B C, B C A, ...), so drift and noise spread over all.</li>
 *   <li>wrk cross-check of the http cells, when wrk is installed.</li>
 *   <li>Memory per idle connection, on freshly started servers.</li>
 *   <li>report.md (also on stdout), CSV, chart.svg under bench/results/&lt;timestamp&gt;/.</li>
 * </ol>
 */
public final class Compare {
    private final Options options;
    private final Path benchDir;
    private final Toolchain tools;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> unavailable = new LinkedHashMap<>();
    private final Map<String, Double> phases = new LinkedHashMap<>();
    private long phaseStart = System.nanoTime();

    /** Closes the phase that just ran, for the report's timing line. */
    private void phase(String name) {
        long now = System.nanoTime();
        phases.merge(name, (now - phaseStart) / 1e9, Double::sum);
        phaseStart = now;
    }

    private Compare(Options options, Path benchDir) {
        this.options = options;
        this.benchDir = benchDir;
        this.tools = new Toolchain(benchDir);
    }

    public static void main(String[] args) {
        Path benchDir = benchDir();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Options options;
        try {
            options = Options.parse(args, benchDir.resolve("results").resolve(stamp));
        } catch (Options.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("bench compare: " + e.getMessage());
            }
            System.err.print(Options.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        int code;
        try {
            code = new Compare(options, benchDir).run();
        } catch (IOException e) {
            System.err.println("bench compare: " + e.getMessage());
            code = 1;
        } finally {
            Children.stopAll();
        }
        System.exit(code);
    }

    /** bench/: from -Djring.bench.dir, else two levels up from target/classes. */
    static Path benchDir() {
        String property = System.getProperty("jring.bench.dir");
        if (property != null) {
            return Path.of(property).toAbsolutePath();
        }
        try {
            Path classes = Path.of(Compare.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().getParent();
        } catch (Exception e) {
            return Path.of("bench").toAbsolutePath();
        }
    }

    private int run() throws IOException {
        Path out = options.out();
        Files.createDirectories(out);
        if (tools.pinned()) {
            // The orchestrator's own JVM (JIT, GC) stays off the server CPU too.
            Toolchain.run(List.of(tools.taskset.get().toString(), "-a", "-p", "-c", "0",
                    Long.toString(ProcessHandle.current().pid())));
        } else {
            notes.add("Only " + tools.cpus + " CPU" + (tools.cpus == 1 ? "" : "s (or no taskset)")
                    + ": server and load generator share the CPU, so CPU-per-request figures include the generator's.");
        }
        Toolchain.Result<Path> loadgenBinary = tools.compile("loadgen");
        if (!loadgenBinary.ok()) {
            throw new IOException(loadgenBinary.reason());
        }
        Toolchain.Result<Path> loadBinary = options.generator().equals("uringgen")
                ? tools.compile("uringgen", "uring") : loadgenBinary;
        if (!loadBinary.ok()) {
            notes.add("The cheap io_uring generator could not be built (" + Report.oneLine(loadBinary.reason())
                    + "): load runs use loadgen, which may be the bottleneck (see gen CPU).");
            loadBinary = loadgenBinary;
        }
        LoadGen gen = new LoadGen(tools, loadBinary.value(), loadgenBinary.value(), out.resolve("loadgen.err"));
        Toolchain.Result<Path> perf = options.syscalls() ? tools.perfForSyscalls() : Toolchain.Result.failed("skipped (--syscall-seconds 0)");
        if (options.syscalls() && !perf.ok()) {
            notes.add("Syscalls per request not measured: " + perf.reason());
        }
        boolean wrk = options.wrk() && tools.wrk.isPresent() && options.workloads().stream().anyMatch(Options.Workload::http);
        if (options.wrk() && tools.wrk.isEmpty()) {
            notes.add("wrk is not installed (apt-get install wrk): no cross-check of the http figures.");
        }
        Machine machine = Machine.describe(tools);

        List<Server.Spec> specs = options.servers().stream().map(Server.Spec::of)
                .filter(s -> options.workloads().stream().anyMatch(s::serves) || options.idleConnections() > 0).toList();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Server.Env env = new Server.Env(tools, out, java, System.getProperty("java.class.path"), new Server.Ports(9100, 9199));

        Progress progress = new Progress(System.err, plan(specs, perf.ok(), wrk));
        phase("setup");
        progress.step("starting " + specs.size() + " servers", 8);
        List<Server> servers = startAll(specs, env, "");
        progress.done();
        phase("start");

        // Warm-up (JIT) and the syscall pass: unmeasured runs.
        List<LoadGen.SyscallCount> syscalls = new ArrayList<>();
        int maxConns = options.allConnections().stream().max(Integer::compare).orElse(100);
        for (Server server : servers) {
            for (Options.Workload w : options.workloads()) {
                if (!server.spec.serves(w)) {
                    continue;
                }
                // The JIT warm-up and the first syscall count are one generator run: perf
                // attaches only once the warm-up is over.
                List<Integer> counts = options.connections(w);
                for (int i = 0; i < counts.size(); i++) {
                    int n = counts.get(i);
                    double warm = i == 0 ? options.jitWarmup() : 0.3;
                    if (perf.ok()) {
                        progress.step((i == 0 ? "warm-up+syscalls " : "syscalls ") + server.spec.name() + "  " + w.name()
                                + "  N=" + n, syscallStepSeconds() + warm);
                        syscalls.add(gen.countSyscalls(server, w, n, perf.value(), warm, options.syscallSeconds()));
                        progress.done();
                    } else if (i == 0) {
                        progress.step("warm-up  " + server.spec.name() + "  " + w.name(), warm + 0.5);
                        gen.measure(server, w, Math.min(maxConns, 1000), 0, warm, 0.1);
                        progress.done();
                    }
                }
            }
        }

        phase("warm-up+syscalls");
        // Measured rounds, interleaved.
        List<LoadGen.Run> runs = new ArrayList<>();
        for (int round = 1; round <= options.rounds(); round++) {
            for (Options.Workload w : options.workloads()) {
                List<Server> serving = servers.stream().filter(s -> s.spec.serves(w)).toList();
                for (int n : options.connections(w)) {
                    for (Server server : rotate(serving, round - 1)) {
                        progress.step("round " + round + "/" + options.rounds() + "  " + w.name() + "  N=" + n + "  "
                                + server.spec.name(), runStepSeconds(n));
                        if (!server.process.isAlive()) {
                            runs.add(LoadGen.Run.failed(server.spec.name(), w.name(), n, w.depth(), round,
                                    "server died earlier: " + server.tail()));
                        } else {
                            runs.add(gen.measure(server, w, n, round, options.runWarmup(), options.duration()));
                        }
                        progress.done();
                    }
                }
            }
        }

        phase("rounds");
        // wrk cross-check.
        List<Wrk.Result> wrkResults = new ArrayList<>();
        if (wrk) {
            Wrk w = new Wrk(tools, out);
            for (Options.Workload workload : options.workloads()) {
                // --quick cross-checks only the pipelined cells: without pipelining one wrk
                // thread saturates near 100k req/s and says little here.
                if (!workload.http() || options.quick() && workload.depth() == 1
                        && options.workloads().stream().anyMatch(x -> x.http() && x.depth() > 1)) {
                    continue;
                }
                for (int n : options.connections(workload)) {
                    for (Server server : servers) {
                        if (!server.spec.serves(workload) || !server.process.isAlive()) {
                            continue;
                        }
                        progress.step("wrk      " + server.spec.name() + "  " + workload.name() + "  N=" + n,
                                options.wrkSeconds() + 0.5);
                        wrkResults.add(w.run(server, workload, n, options.wrkSeconds()));
                        progress.done();
                    }
                }
            }
        }
        phase("wrk");
        for (Server server : servers) {
            if (!server.process.isAlive()) {
                notes.add(server.spec.name() + " died during the run: " + server.tail());
            }
            server.stop();
        }

        // Memory per idle connection, on fresh servers.
        List<IdleMemory.Result> idle = new ArrayList<>();
        if (options.idleConnections() > 0) {
            progress.step("starting fresh servers for the idle-connection pass", 8);
            List<Server> fresh = startAll(specs, env, "-idle");
            progress.done();
            IdleMemory memory = new IdleMemory(gen);
            for (Server server : fresh) {
                progress.step("idle     " + server.spec.name() + "  " + options.idleConnections() + " connections",
                        idleStepSeconds());
                idle.add(memory.measure(server, options.idleConnections()));
                server.process.destroy(); // SIGTERM; its exit overlaps the next measurement (memory only)
                progress.done();
            }
        }

        Children.stopAll();
        phase("idle");

        // The https cells (issue 15): their own servers and generator (wrk), after everything else.
        String https = "";
        if (options.httpsRounds() > 0) {
            if (tools.wrk.isEmpty()) {
                notes.add("wrk is not installed (apt-get install wrk): no https cells.");
            } else {
                progress.step("https    " + options.httpsRounds() + " rounds (bench/https-cells.sh)", httpsSeconds());
                https = HttpsCells.run(benchDir, out.resolve("https"), HTTPS_CELL_SECONDS, options.httpsRounds());
                progress.done();
            }
            phase("https");
        }
        progress.finish("bench compare: done in " + Progress.duration(progress.elapsedSeconds()) + ", results in " + out);
        machine.finish();
        Results results = new Results(options, machine, runs, syscalls, wrkResults, idle, notes, unavailable,
                progress.elapsedSeconds(), phases);
        String report = Report.markdown(results) + https;
        Files.writeString(out.resolve("report.md"), report);
        Report.writeCsv(results, out);
        Files.writeString(out.resolve("chart.svg"), Chart.svg(results));
        System.out.println(report);
        System.out.println("Files: " + out.resolve("report.md") + ", runs.csv, syscalls.csv, wrk.csv, idle.csv, summary.csv, chart.svg");
        return runs.stream().anyMatch(LoadGen.Run::ok) || !idle.isEmpty() ? 0 : 1;
    }

    /** Launches every server at once, then waits for each; one that fails is reported and left out. */
    private List<Server> startAll(List<Server.Spec> specs, Server.Env env, String tag) {
        List<Server> launched = new ArrayList<>();
        for (Server.Spec spec : specs) {
            if (unavailable.containsKey(spec.name())) {
                continue;
            }
            try {
                launched.add(Server.launch(spec, env, tag));
            } catch (IOException e) {
                unavailable.put(spec.name(), e.getMessage());
            }
        }
        List<Server> ready = new ArrayList<>();
        for (Server server : launched) {
            try {
                server.awaitReady(60_000);
                ready.add(server);
            } catch (IOException e) {
                unavailable.put(server.spec.name(), e.getMessage());
                server.stop();
            }
        }
        return ready;
    }

    /** Round r starts at the r-th server: every server gets every position once over the rounds. */
    static <T> List<T> rotate(List<T> list, int by) {
        if (list.isEmpty()) {
            return list;
        }
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    private double runStepSeconds(int conns) {
        return options.runWarmup() + options.duration() + 0.15 + conns / 8000.0;
    }

    private double syscallStepSeconds() {
        return Math.max(1, Math.round(options.syscallSeconds() / 0.25)) * 0.25 + 0.8;
    }

    private double idleStepSeconds() {
        return 3.5 + options.idleConnections() / 10000.0;
    }

    /** The planned length of the whole run, for the time-left estimate. */
    private double plan(List<Server.Spec> specs, boolean syscalls, boolean wrk) {
        double total = 8;
        for (Server.Spec spec : specs) {
            for (Options.Workload w : options.workloads()) {
                if (!spec.serves(w)) {
                    continue;
                }
                int conns = options.connections(w).size();
                total += options.jitWarmup() + 0.5;
                if (syscalls) {
                    total += conns * syscallStepSeconds() + (conns - 1) * 0.3;
                }
                for (int n : options.connections(w)) {
                    total += options.rounds() * runStepSeconds(n);
                    if (wrk && w.http() && !(options.quick() && w.depth() == 1)) {
                        total += options.wrkSeconds() + 0.5;
                    }
                }
            }
        }
        if (options.idleConnections() > 0) {
            total += 8 + specs.size() * idleStepSeconds();
        }
        if (options.httpsRounds() > 0 && tools.wrk.isPresent()) {
            total += httpsSeconds();
        }
        return total;
    }

    /** Seconds wrk loads each https cell. */
    private static final int HTTPS_CELL_SECONDS = 5;

    /** Four servers a round, each started, warmed 2 s and loaded in two cells; then a profiled run. */
    private double httpsSeconds() {
        return options.httpsRounds() * 4 * (4 + 2 + 2 * HTTPS_CELL_SECONDS) + 15;
    }
}
