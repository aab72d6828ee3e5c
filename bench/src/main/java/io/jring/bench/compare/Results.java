package io.jring.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one invocation measured, and the per-cell summaries the report and chart show. */
record Results(Options options, Machine machine, List<LoadGen.Run> runs, List<LoadGen.SyscallCount> syscalls,
               List<Wrk.Result> wrk, List<IdleMemory.Result> idle, List<String> notes, Map<String, String> unavailable,
               double elapsedSeconds, Map<String, Double> phaseSeconds) {

    static final String BASELINE = "jring-io_uring";

    /** One server × workload × N over the rounds. */
    record Cell(String server, Options.Workload workload, int conns, List<LoadGen.Run> runs, Stats rps, Stats p50,
                Stats p99, Stats p999, Stats cpuUs, Stats cpuCoreUs, Stats softirqUs, Stats serverShare,
                Stats generatorShare, Stats foreignShare, Stats rpsVsBaseline, Stats cpuVsBaseline, Stats coreVsBaseline,
                Stats userUs, Stats systemUs, int generatorBoundRuns, double syscallsPerRequest, List<String> failures) {

        /** Whether the server, not the generator, set the pace in every measured round. */
        boolean serverBound() {
            return generatorBoundRuns == 0 && rps.present();
        }
    }

    /** Cells whose every round had the generator below {@link LoadGen#GENERATOR_BOUND}, of all measured. */
    int[] serverBoundCells() {
        int bound = 0;
        int all = 0;
        for (Options.Workload w : options.workloads()) {
            for (Cell c : cells(w)) {
                if (c.rps().present()) {
                    all++;
                    bound += c.serverBound() ? 1 : 0;
                }
            }
        }
        return new int[] {bound, all};
    }

    /** Servers in the order asked for, those that produced at least one row. */
    List<String> servers() {
        List<String> out = new ArrayList<>();
        for (String s : options.servers()) {
            if (runs.stream().anyMatch(r -> r.server().equals(s)) || idle.stream().anyMatch(r -> r.server().equals(s))) {
                out.add(s);
            }
        }
        return out;
    }

    List<Cell> cells(Options.Workload w) {
        List<Cell> cells = new ArrayList<>();
        for (String server : servers()) {
            for (int n : options.connections(w)) {
                List<LoadGen.Run> mine = runs.stream().filter(r -> r.server().equals(server)
                        && r.workload().equals(w.name()) && r.conns() == n).toList();
                if (!mine.isEmpty()) {
                    cells.add(cell(server, w, n, mine));
                }
            }
        }
        return cells;
    }

    private Cell cell(String server, Options.Workload w, int n, List<LoadGen.Run> mine) {
        List<LoadGen.Run> ok = mine.stream().filter(LoadGen.Run::ok).toList();
        Map<Integer, LoadGen.Run> baseline = new LinkedHashMap<>();
        runs.stream().filter(r -> r.server().equals(BASELINE) && r.workload().equals(w.name()) && r.conns() == n && r.ok())
                .forEach(r -> baseline.put(r.round(), r));
        List<Double> rpsRatio = new ArrayList<>();
        List<Double> cpuRatio = new ArrayList<>();
        List<Double> coreRatio = new ArrayList<>();
        for (LoadGen.Run r : ok) {
            LoadGen.Run b = baseline.get(r.round());
            if (b != null) {
                rpsRatio.add(r.rps() / b.rps());
                cpuRatio.add(r.cpuUsPerRequest() / b.cpuUsPerRequest());
                coreRatio.add(r.cpuCoreUsPerRequest() / b.cpuCoreUsPerRequest());
            }
        }
        double perRequest = syscalls.stream().filter(s -> s.server().equals(server) && s.workload().equals(w.name())
                && s.conns() == n).mapToDouble(LoadGen.SyscallCount::perRequest).findFirst().orElse(Double.NaN);
        List<String> failures = mine.stream().filter(r -> r.failure() != null)
                .map(r -> "round " + r.round() + ": " + r.failure()).toList();
        return new Cell(server, w, n, mine,
                Stats.of(ok.stream().map(LoadGen.Run::rps).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::p50).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::p99).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::p999).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::cpuUsPerRequest).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::cpuCoreUsPerRequest).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::softirqUsPerRequest).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::serverCpuShare).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::generatorCpuShare).toList()),
                Stats.of(ok.stream().map(Results::foreignShare).toList()),
                Stats.of(rpsRatio), Stats.of(cpuRatio), Stats.of(coreRatio),
                Stats.of(ok.stream().map(LoadGen.Run::userUsPerRequest).toList()),
                Stats.of(ok.stream().map(LoadGen.Run::systemUsPerRequest).toList()),
                (int) ok.stream().filter(LoadGen.Run::generatorBound).count(), perRequest, failures);
    }

    /**
     * Share of the server's CPU busy with neither the server process nor softirq: other
     * processes (this machine is shared) — a noise indicator.
     */
    static double foreignShare(LoadGen.Run r) {
        if (!r.ok() || r.serverCpuTicksTotal() <= 0) {
            return Double.NaN;
        }
        double busy = (double) (r.serverCpuTicksBusy() - r.serverCpuTicksSoftirq()) / r.serverCpuTicksTotal();
        return Math.max(0, busy - r.serverCpuShare());
    }

    /** The same server's figure divided by the baseline's, round by round, as a median. */
    Stats ratio(String server, String other, Options.Workload w, int n, java.util.function.ToDoubleFunction<LoadGen.Run> metric) {
        List<Double> ratios = new ArrayList<>();
        for (LoadGen.Run a : runs) {
            if (!a.ok() || !a.server().equals(server) || !a.workload().equals(w.name()) || a.conns() != n) {
                continue;
            }
            for (LoadGen.Run b : runs) {
                if (b.ok() && b.server().equals(other) && b.workload().equals(w.name()) && b.conns() == n
                        && b.round() == a.round()) {
                    ratios.add(metric.applyAsDouble(a) / metric.applyAsDouble(b));
                }
            }
        }
        return Stats.of(ratios);
    }
}
