package io.jring.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;

/** report.md and the CSV files. */
final class Report {
    private static final String BASELINE = Results.BASELINE;

    static String markdown(Results r) {
        StringBuilder md = new StringBuilder();
        Machine m = r.machine();
        Options o = r.options();
        md.append("# jring bench compare — ").append(m.date).append("\n\n");
        md.append("**Machine:** Linux ").append(m.kernel).append(", ").append(m.cpuModel).append(", ").append(m.cpus)
                .append(" CPUs; ").append(m.pinned ? "each server pinned to CPU 1, the load generator to CPU 0"
                        : "no pinning (one CPU, or no taskset)")
                .append(". ").append(m.jdk).append("; ").append(m.gcc).append("; liburing ").append(m.liburing)
                .append("; nginx ").append(m.nginx).append("; wrk ").append(m.wrk.isEmpty() ? "?" : m.wrk.replace("wrk ", ""))
                .append(". Load average ").append(m.loadStart).append(" at the start, ").append(m.loadEnd).append(" at the end.\n\n");
        md.append("**Run:** ").append(o.quick() ? "`--quick`, " : "").append(o.rounds()).append(o.rounds() == 1 ? " round" : " interleaved rounds")
                .append(" × ").append(num(o.duration())).append(" s measured per cell (after ").append(num(o.runWarmup()))
                .append(" s unmeasured), connections ").append(join(o.allConnections())).append("; every server started once, ")
                .append("JIT-warmed ").append(num(o.jitWarmup())).append(" s per workload; took ")
                .append(Progress.duration(r.elapsedSeconds())).append(phases(r)).append(". Medians over the rounds, (min–max) where there")
                .append(" were several; every ratio is against jring io_uring in the same round of this invocation.\n\n");

        int[] bound = r.serverBoundCells();
        md.append("**Load generator:** ").append(r.runs().stream().map(LoadGen.Run::generator).filter(g -> !g.isEmpty())
                        .findFirst().orElse("?"))
                .append(". **").append(bound[0]).append(" of ").append(bound[1])
                .append(" cells were server-bound** (the generator's CPU below ")
                .append(pct(LoadGen.GENERATOR_BOUND)).append(" busy in every round); the others are marked GEN in the")
                .append(" *bound* column: their req/s may measure the generator, their CPU per request still holds.\n\n");
        md.append("| server | what |\n|---|---|\n");
        for (String s : o.servers()) {
            String why = r.unavailable().get(s);
            md.append("| ").append(s).append(" | ").append(Server.Spec.of(s).note())
                    .append(why != null ? " — **not measured:** " + oneLine(why) : "").append(" |\n");
        }
        md.append('\n');

        for (Options.Workload w : o.workloads()) {
            List<Results.Cell> cells = r.cells(w);
            if (cells.isEmpty()) {
                continue;
            }
            md.append("## ").append(w.name()).append(" — ").append(w.describe()).append("\n\n");
            md.append(table(List.of("server", "N", "req/s", "× jring", "p50 µs", "p99 µs", "p99.9 µs",
                    "core µs/req (softirq)", "core × jring", "user / sys µs/req", "syscalls/req", "server CPU", "gen CPU",
                    "bound"), cellRows(cells)));
            md.append('\n');
            for (Results.Cell c : cells) {
                for (String f : c.failures()) {
                    md.append("- ").append(c.server()).append(" N=").append(c.conns()).append(": ").append(oneLine(f)).append('\n');
                }
            }
            md.append('\n');
        }

        if (!r.wrk().isEmpty()) {
            md.append("## wrk cross-check (one wrk thread on the generator CPU; req/s only)\n\n");
            List<List<String>> rows = new ArrayList<>();
            for (Wrk.Result x : r.wrk()) {
                Options.Workload w = Options.Workload.parse(x.workload());
                Optional<Results.Cell> ours = r.cells(w).stream()
                        .filter(c -> c.server().equals(x.server()) && c.conns() == x.conns()).findFirst();
                rows.add(List.of(x.server(), x.workload(), Integer.toString(x.conns()), rate(x.rps()),
                        ours.map(c -> rate(c.rps().median())).orElse("—"), x.failure() == null ? "" : oneLine(x.failure())));
            }
            md.append(table(List.of("server", "workload", "N", "wrk req/s", "loadgen req/s", "note"), rows)).append('\n');
        }

        if (!r.idle().isEmpty()) {
            int n = r.idle().get(0).conns();
            md.append("## Memory per idle connection (").append(String.format(Locale.ROOT, "%,d", n))
                    .append(" connections, each served once, then idle)\n\n");
            List<List<String>> rows = new ArrayList<>();
            for (IdleMemory.Result x : r.idle()) {
                rows.add(List.of(x.server(), bytes(x.rssBytesPerConnection()), bytes(x.heapBytesPerConnection()),
                        bytes(x.totalBytesPerConnection()), x.open() + "/" + x.conns(),
                        x.failure() == null ? "" : oneLine(x.failure())));
            }
            md.append(table(List.of("server", "RSS Δ/conn", "live heap Δ/conn", "total/conn", "open", "note"), rows));
            md.append("\nJava servers run with `-Xms128m -Xmx128m -XX:+AlwaysPreTouch` (512m for those with a thread per")
                    .append(" connection: the virtual-thread and Tomcat servers), so their RSS grows only with native")
                    .append(" memory; their Java objects are the live heap after a full GC (`System.gc()`, then the heap's used bytes).")
                    .append(" A JVM's RSS also moves by a few MiB on its own (JIT compiler arenas, malloc trimming): at ")
                    .append(String.format(Locale.ROOT, "%,d", n)).append(" connections that is ±")
                    .append(bytes(3.0 * 1024 * 1024 / n)).append(" per connection, so read small or negative RSS deltas as ≈ 0.\n\n");
        }

        md.append(targets(r));

        List<String> notes = new ArrayList<>(r.notes());
        notes.addAll(automaticNotes(r));
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            for (String note : notes) {
                md.append("- ").append(note).append('\n');
            }
            md.append('\n');
        }
        md.append("""
                ## How to read this

                - **req/s**: requests (echo: messages) answered per second by the C load generator, closed loop: each
                  connection sends its next request only when the answer to the last one has arrived (http-pN: N at a time).
                - **p50/p99/p99.9**: per-request latency seen by the generator, from the write that carried the request
                  to the read that completed its answer (log-linear histogram, 1/64 precision).
                - **core µs/req**: everything the server's CPU did per request (busy time from /proc/stat, softirq in
                  brackets): on loopback part of each side's receive work lands on the sender's core, so this, not the
                  process's own time, is the server's cost. **user / sys µs/req** is the server process's own time
                  (/proc/PID/stat), split: the user part is what a runtime controls.
                - **bound**: `server` when the generator's CPU stayed below 90% busy in every round, so the server set
                  the pace; `GEN k/n` when it did not in k of n rounds.
                - **syscalls/req**: `perf stat -e raw_syscalls:sys_enter` on the server process during a separate,
                  unmeasured run, divided by the requests answered in the same whole perf intervals.
                - **server CPU / gen CPU**: how busy the server process and the generator's CPU were: a server near
                  100% is the bottleneck; a generator near 100% means req/s measures the generator.
                - Figures from a shared or virtual machine are noisy: compare ratios from the same run, not runs.
                """);
        return md.toString();
    }

    private static String phases(Results r) {
        if (r.phaseSeconds() == null || r.phaseSeconds().isEmpty()) {
            return "";
        }
        StringJoiner j = new StringJoiner(", ", " (", ")");
        r.phaseSeconds().forEach((k, v) -> j.add(k + " " + Progress.duration(v)));
        return j.toString();
    }

    private static List<List<String>> cellRows(List<Results.Cell> cells) {
        List<List<String>> rows = new ArrayList<>();
        for (Results.Cell c : cells) {
            boolean base = c.server().equals(BASELINE);
            rows.add(List.of(c.server(), Integer.toString(c.conns()), spread(c.rps(), Report::rate),
                    base ? "1" : ratio(c.rpsVsBaseline()),
                    us(c.p50().median()), us(c.p99().median()), us(c.p999().median()),
                    us2(c.cpuCoreUs().median()) + (Double.isNaN(c.softirqUs().median()) ? "" : " (" + us2(c.softirqUs().median()) + ")"),
                    base ? "1" : ratio(c.coreVsBaseline()),
                    us2(c.userUs().median()) + " / " + us2(c.systemUs().median()),
                    Double.isNaN(c.syscallsPerRequest()) ? "—" : String.format(Locale.ROOT, "%.3f", c.syscallsPerRequest()),
                    pct(c.serverShare().median()), pct(c.generatorShare().median()),
                    !c.rps().present() ? "—" : c.serverBound() ? "server" : "GEN " + c.generatorBoundRuns() + "/" + c.runs().size()));
        }
        return rows;
    }

    /**
     * Issue 16's targets, measured in this run: jring io_uring's server CPU per request (the server
     * core's busy time from /proc/stat, softirq included) against Netty io_uring and the C limit in
     * the four main workloads, and its user time per request.
     */
    static String targets(Results r) {
        StringBuilder md = new StringBuilder("## Against the targets (issue 16)\n\n");
        List<List<String>> rows = new ArrayList<>();
        Options o = r.options();
        if (r.runs().stream().noneMatch(x -> x.server().equals(BASELINE) && x.ok())) {
            return "";
        }
        for (Options.Workload w : o.workloads()) {
            if (!w.http() && w.size() > 64) {
                continue; // the loss cases are reported, not targeted
            }
            for (int n : o.connections(w)) {
                if (n == 1) {
                    continue;
                }
                String cell = w.name() + " N=" + n;
                rows.add(target("server CPU/req vs Netty io_uring, " + cell,
                        r.ratio(BASELINE, "netty-io_uring", w, n, LoadGen.Run::cpuCoreUsPerRequest), 0.95, false));
                rows.add(target("server CPU/req vs C liburing, " + cell,
                        r.ratio(BASELINE, "c-liburing", w, n, LoadGen.Run::cpuCoreUsPerRequest), 1.10, false));
                if (w.depth() == 1) {
                    rows.add(target("user µs/req, " + cell, Stats.of(r.runs().stream()
                            .filter(x -> x.server().equals(BASELINE) && x.workload().equals(w.name()) && x.conns() == n)
                            .map(LoadGen.Run::userUsPerRequest).toList()), 0.5, false));
                } else {
                    rows.add(target("user µs/req vs C liburing's, " + cell,
                            r.ratio(BASELINE, "c-liburing", w, n, LoadGen.Run::userUsPerRequest), 1.5, false));
                }
                rows.add(target("core µs/req vs jring epoll, " + cell,
                        r.ratio(BASELINE, "jring-epoll", w, n, LoadGen.Run::cpuCoreUsPerRequest), 1.0, false));
            }
        }
        if (rows.isEmpty()) {
            return "";
        }
        md.append(table(List.of("target", "measured", "aim", "verdict"), rows));
        md.append("\nAllocation per operation on the hot path is measured by `./jring bench jmh` (`-prof gc`), not here.\n\n");
        return md.toString();
    }

    private static List<String> target(String what, Stats s, double aim, boolean atLeast) {
        if (!s.present()) {
            return List.of(what, "—", (atLeast ? "≥ " : "≤ ") + num(aim), "not measured");
        }
        double v = s.median();
        if (!Double.isFinite(v)) {
            // A ratio against a peer whose time rounded to 0: under one clock tick (10 ms) of CPU
            // in a short run. No verdict is better than "Infinity× over".
            return List.of(what, "—", (atLeast ? "≥ " : "≤ ") + num(aim), "not measurable: the peer's time was under one clock tick");
        }
        boolean met = atLeast ? v >= aim : v <= aim;
        String verdict = met ? "met" : atLeast ? String.format(Locale.ROOT, "short: needs %.2f× more", aim / v)
                : String.format(Locale.ROOT, "short: %.2f× over", v / aim);
        String measured = s.count() > 1 ? String.format(Locale.ROOT, "%.3g (%.3g–%.3g)", v, s.min(), s.max())
                : String.format(Locale.ROOT, "%.3g", v);
        return List.of(what, measured, (atLeast ? "≥ " : "≤ ") + num(aim), verdict);
    }

    /** Notes the data itself calls for: a saturated generator, a busy server CPU, failures. */
    static List<String> automaticNotes(Results r) {
        List<String> notes = new ArrayList<>();
        List<Results.Cell> all = new ArrayList<>();
        for (Options.Workload w : r.options().workloads()) {
            all.addAll(r.cells(w));
        }
        long saturated = all.stream().filter(c -> c.generatorShare().median() >= 0.9).count();
        if (saturated > 0) {
            notes.add("The load generator's CPU was ≥ 90% busy in " + saturated + " of " + all.size()
                    + " cells: there req/s shows the generator's limit, and CPU µs/req is what separates the servers.");
        }
        double foreign = Stats.of(all.stream().map(c -> c.foreignShare().median()).toList()).median();
        if (foreign > 0.05) {
            notes.add(String.format(Locale.ROOT, "Other processes used a median %.0f%% of the server CPU during the"
                    + " measured windows (a shared machine): expect noise; the ratios within a round are the robust figures.",
                    100 * foreign));
        }
        long noisy = all.stream().filter(c -> c.rps().count() > 1 && c.rps().spread() > 0.25).count();
        if (noisy > 0) {
            notes.add(noisy + " cells vary by more than 25% between rounds (min–max against the median).");
        }
        return notes;
    }

    // ---- CSV --------------------------------------------------------------------------------

    static void writeCsv(Results r, Path dir) throws IOException {
        StringBuilder runs = new StringBuilder("server,workload,conns,depth,round,seconds,requests,rps,p50_us,p90_us,"
                + "p99_us,p999_us,max_us,errors,server_cpu_ns,cpu_us_per_req,core_us_per_req,softirq_us_per_req,"
                + "server_cpu_share,gen_cpu_share,foreign_cpu_share,user_us_per_req,sys_us_per_req,generator_bound,"
                + "generator,failure\n");
        for (LoadGen.Run x : r.runs()) {
            runs.append(csv(x.server(), x.workload(), x.conns(), x.depth(), x.round(), x.seconds(), x.requests(), x.rps(),
                    x.p50(), x.p90(), x.p99(), x.p999(), x.max(), x.errors(), x.serverCpuNanos(), x.cpuUsPerRequest(),
                    x.cpuCoreUsPerRequest(), x.softirqUsPerRequest(), x.serverCpuShare(), x.generatorCpuShare(),
                    Results.foreignShare(x), x.userUsPerRequest(), x.systemUsPerRequest(), x.generatorBound(),
                    x.generator(), x.failure()));
        }
        Files.writeString(dir.resolve("runs.csv"), runs);

        StringBuilder sys = new StringBuilder("server,workload,conns,syscalls,requests,seconds,syscalls_per_req,failure\n");
        for (LoadGen.SyscallCount x : r.syscalls()) {
            sys.append(csv(x.server(), x.workload(), x.conns(), x.syscalls(), x.requests(), x.seconds(), x.perRequest(),
                    x.failure()));
        }
        Files.writeString(dir.resolve("syscalls.csv"), sys);

        StringBuilder wrk = new StringBuilder("server,workload,conns,rps,failure\n");
        for (Wrk.Result x : r.wrk()) {
            wrk.append(csv(x.server(), x.workload(), x.conns(), x.rps(), x.failure()));
        }
        Files.writeString(dir.resolve("wrk.csv"), wrk);

        StringBuilder idle = new StringBuilder("server,conns,open,rss_before_kib,rss_after_kib,heap_before_kib,"
                + "heap_after_kib,rss_bytes_per_conn,heap_bytes_per_conn,total_bytes_per_conn,failure\n");
        for (IdleMemory.Result x : r.idle()) {
            idle.append(csv(x.server(), x.conns(), x.open(), x.rssBeforeKib(), x.rssAfterKib(), x.heapBeforeKib(),
                    x.heapAfterKib(), x.rssBytesPerConnection(), x.heapBytesPerConnection(), x.totalBytesPerConnection(),
                    x.failure()));
        }
        Files.writeString(dir.resolve("idle.csv"), idle);

        StringBuilder summary = new StringBuilder("workload,server,conns,rounds_ok,rps_median,rps_min,rps_max,rps_vs_jring,"
                + "p50_us,p99_us,p999_us,cpu_us_per_req,cpu_vs_jring,core_us_per_req,syscalls_per_req,server_cpu_share,"
                + "gen_cpu_share,core_vs_jring,user_us_per_req,sys_us_per_req,generator_bound_rounds\n");
        for (Options.Workload w : r.options().workloads()) {
            for (Results.Cell c : r.cells(w)) {
                summary.append(csv(w.name(), c.server(), c.conns(), c.rps().count(), c.rps().median(), c.rps().min(),
                        c.rps().max(), c.rpsVsBaseline().median(), c.p50().median(), c.p99().median(), c.p999().median(),
                        c.cpuUs().median(), c.cpuVsBaseline().median(), c.cpuCoreUs().median(), c.syscallsPerRequest(),
                        c.serverShare().median(), c.generatorShare().median(), c.coreVsBaseline().median(),
                        c.userUs().median(), c.systemUs().median(), c.generatorBoundRuns()));
            }
        }
        Files.writeString(dir.resolve("summary.csv"), summary);
    }

    static String csv(Object... values) {
        StringJoiner line = new StringJoiner(",", "", "\n");
        for (Object v : values) {
            if (v == null) {
                line.add("");
            } else if (v instanceof Double d) {
                line.add(d.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", d));
            } else {
                String s = v.toString();
                line.add(s.contains(",") || s.contains("\"") || s.contains("\n")
                        ? "\"" + s.replace("\"", "\"\"").replace('\n', ' ') + "\"" : s);
            }
        }
        return line.toString();
    }

    // ---- formatting -------------------------------------------------------------------------

    /** A Markdown table with columns padded to their widest cell. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            width[i] = Math.max(3, header.get(i).length());
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, header, width);
        StringJoiner rule = new StringJoiner(" | ", "| ", " |\n");
        for (int i = 0; i < width.length; i++) {
            rule.add(i < 2 ? "-".repeat(width[i]) : "-".repeat(width[i] - 1) + ":");
        }
        out.append(rule);
        for (List<String> row : rows) {
            appendRow(out, row, width);
        }
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] width) {
        StringJoiner line = new StringJoiner(" | ", "| ", " |\n");
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i).replace("|", "\\|");
            line.add(i < 2 ? pad(c, width[i], false) : pad(c, width[i], true));
        }
        out.append(line);
    }

    private static String pad(String s, int width, boolean right) {
        int n = width - s.length();
        if (n <= 0) {
            return s;
        }
        return right ? " ".repeat(n) + s : s + " ".repeat(n);
    }

    static String spread(Stats s, java.util.function.DoubleFunction<String> format) {
        if (!s.present()) {
            return "—";
        }
        if (s.count() == 1) {
            return format.apply(s.median());
        }
        return format.apply(s.median()) + " (" + format.apply(s.min()) + "–" + format.apply(s.max()) + ")";
    }

    /** 61234 → "61.2k", 1234567 → "1.23M". */
    static String rate(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, v >= 1e5 ? "%.0fk" : "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String ratio(Stats s) {
        if (!s.present()) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f", s.median());
    }

    static String us(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        return v < 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String us2(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        return v < 10 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String pct(double share) {
        return Double.isNaN(share) ? "—" : String.format(Locale.ROOT, "%.0f%%", 100 * share);
    }

    static String bytes(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        return Math.abs(v) >= 1024 ? String.format(Locale.ROOT, "%.1f KiB", v / 1024) : String.format(Locale.ROOT, "%.0f B", v);
    }

    static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    private static String join(List<Integer> values) {
        StringJoiner j = new StringJoiner(", ");
        values.forEach(v -> j.add(String.format(Locale.ROOT, "%,d", v)));
        return j.toString();
    }

    static String oneLine(String s) {
        String t = s.replace('\n', ' ').replace("|", "/");
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    private Report() {}
}
