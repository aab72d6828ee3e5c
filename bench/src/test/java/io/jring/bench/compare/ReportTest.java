package io.jring.bench.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

class ReportTest {
    @Test
    void tablesAreAlignedMarkdown() {
        String t = Report.table(List.of("server", "N", "req/s"),
                List.of(List.of("jring-io_uring", "100", "61.2k"), List.of("nio", "10", "1.23M")));
        List<String> lines = t.lines().toList();
        assertEquals(4, lines.size());
        assertEquals("| server         | N   | req/s |", lines.get(0));
        assertEquals("| -------------- | --- | ----: |", lines.get(1));
        assertEquals("| nio            | 10  | 1.23M |", lines.get(3));
        assertTrue(lines.stream().allMatch(l -> l.length() == lines.get(0).length()));
    }

    @Test
    void numbersAreShortAndUnitful() {
        assertEquals("61.2k", Report.rate(61234));
        assertEquals("845k", Report.rate(845_000));
        assertEquals("1.23M", Report.rate(1_234_567));
        assertEquals("950", Report.rate(950));
        assertEquals("—", Report.rate(Double.NaN));
        assertEquals("7.5", Report.us(7.46));
        assertEquals("1,234", Report.us(1234.4));
        assertEquals("512 B", Report.bytes(512));
        assertEquals("2.0 KiB", Report.bytes(2048));
        assertEquals("61.2k (58.1k–63.0k)", Report.spread(new Stats(61234, 58100, 63000, 3), Report::rate));
        assertEquals("61.2k", Report.spread(new Stats(61234, 61234, 61234, 1), Report::rate));
    }

    @Test
    void csvQuotesWhatNeedsIt() {
        assertEquals("a,1,2.50000,,\"x, y\",\"say \"\"hi\"\"\"\n",
                Report.csv("a", 1, 2.5, Double.NaN, "x, y", "say \"hi\""));
    }

    @Test
    void generatorJsonIsRead() {
        Map<String, String> f = Json.parse("{\"mode\":\"echo\",\"conns\":100,\"rps\":61234.5,\"p99_us\":1.5e3}");
        assertEquals("echo", f.get("mode"));
        assertEquals(61234.5, Json.number(f, "rps"));
        assertEquals(1500, Json.number(f, "p99_us"));
        assertTrue(Double.isNaN(Json.number(f, "missing")));
        assertTrue(Json.parse("not json").isEmpty());
    }

    @Test
    void perCpuCountersFromProcStat() {
        List<String> stat = List.of("cpu  10 0 20 300 0 0 5 0 0 0", "cpu0 4 0 10 150 0 0 2 0 0 0",
                "cpu1 6 1 10 150 2 3 3 1 0 0");
        Proc.CpuTimes cpu1 = Proc.parseCpu(stat, 1);
        assertEquals(6 + 1 + 10 + 3 + 3 + 1, cpu1.busy());
        assertEquals(3, cpu1.softirq());
        assertEquals(cpu1.busy() + 150 + 2, cpu1.total());
    }

    @Test
    void roundsRotateSoEveryServerTakesEveryPosition() {
        assertEquals(List.of("a", "b", "c"), Compare.rotate(List.of("a", "b", "c"), 0));
        assertEquals(List.of("b", "c", "a"), Compare.rotate(List.of("a", "b", "c"), 1));
        assertEquals(List.of("c", "a", "b"), Compare.rotate(List.of("a", "b", "c"), 5));
    }

    @Test
    void optionsParseAndQuickShrinksTheRun() {
        Options quick = Options.parse(new String[] {"--quick"}, Path.of("out"));
        assertEquals(List.of(100), quick.connections());
        assertEquals(1, quick.rounds());
        Options o = Options.parse(new String[] {"--connections", "10,1000", "--workloads", "echo,http-p8",
                "--servers", "jring,netty-uring", "--duration", "2"}, Path.of("out"));
        assertEquals(List.of(10, 1000), o.connections());
        assertEquals(8, o.workloads().get(1).depth());
        assertEquals(List.of("jring-io_uring", "netty-io_uring"), o.servers());
        assertEquals(2, o.duration());
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--servers", "tomcat"}, Path.of("o")));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--idle", "19000"}, Path.of("o")));
        assertThrows(Options.UsageException.class, () -> Options.parse(new String[] {"--generator", "wrk"}, Path.of("o")));
    }

    @Test
    void workloadsCarryTheirSizeAndTheirOwnConnectionCounts() {
        Options o = Options.parse(new String[] {"--connections", "10", "--workloads", "echo-1m@1+10,echo-4k,http-p64@100"},
                Path.of("out"));
        Options.Workload big = o.workloads().get(0);
        assertEquals(1024 * 1024, big.size());
        assertEquals(List.of(1, 10), o.connections(big));
        assertEquals("1 MiB messages echoed, one at a time per connection", big.describe());
        assertEquals(4096, o.workloads().get(1).size());
        assertEquals(List.of(10), o.connections(o.workloads().get(1)));
        assertEquals(List.of(100), o.connections(o.workloads().get(2)));
        assertEquals(List.of(1, 10, 100), o.allConnections());
        assertEquals("uringgen", o.generator());
        Options defaults = Options.parse(new String[0], Path.of("out"));
        assertEquals(List.of("echo", "http", "http-p16", "http-p64", "echo-1m"),
                defaults.workloads().stream().map(Options.Workload::name).toList());
        assertThrows(Options.UsageException.class, () -> Options.Workload.parse("echo-0"));
    }

    @Test
    void aCellIsServerBoundOnlyWhenTheGeneratorWasBelowNinetyPercentInEveryRound() {
        Options o = Options.parse(new String[] {"--rounds", "2", "--connections", "100", "--workloads", "echo",
                "--servers", "jring-io_uring,c-liburing"}, Path.of("out"));
        List<LoadGen.Run> runs = List.of(run("jring-io_uring", "echo", 1, 50_000, 60), run("jring-io_uring", "echo", 2, 50_000, 70),
                run("c-liburing", "echo", 1, 90_000, 60), run("c-liburing", "echo", 2, 95_000, 95));
        Results r = new Results(o, null, runs, List.of(), List.of(), List.of(), List.of(), Map.of(), 10, Map.of());
        List<Results.Cell> cells = r.cells(o.workloads().get(0));
        assertTrue(cells.get(0).serverBound());
        assertEquals(1, cells.get(1).generatorBoundRuns());
        assertArrayEquals(new int[] {1, 2}, r.serverBoundCells());
        String table = Report.markdown(new Results(o, Machine.describe(new Toolchain(Path.of("."))),
                runs, List.of(), List.of(), List.of(), List.of(), Map.of(), 10, Map.of()));
        assertTrue(table.contains("1 of 2 cells were server-bound"), table);
        assertTrue(table.contains("GEN 1/2"), table);
    }

    @Test
    void reportCsvAndChartFromResults() throws Exception {
        Options o = Options.parse(new String[] {"--rounds", "2", "--connections", "100", "--workloads", "echo,http-p16",
                "--servers", "jring-io_uring,netty-epoll,netty-io_uring"}, Path.of("out"));
        List<LoadGen.Run> runs = List.of(
                run("jring-io_uring", "echo", 1, 50_000), run("jring-io_uring", "echo", 2, 52_000),
                run("netty-epoll", "echo", 1, 40_000), run("netty-epoll", "echo", 2, 39_000),
                run("jring-io_uring", "http-p16", 1, 900_000), run("netty-epoll", "http-p16", 1, 450_000),
                LoadGen.Run.failed("netty-epoll", "http-p16", 100, 16, 2, "server died"),
                run("netty-io_uring", "echo", 1, 50_000), run("netty-io_uring", "echo", 2, 40_000));
        Results r = new Results(o, null, runs, List.of(new LoadGen.SyscallCount("jring-io_uring", "echo", 100, 50, 1000,
                1, null)), List.of(), List.of(new IdleMemory.Result("jring-io_uring", 10_000, 10_000, 1000, 1005, 100,
                105, null)), List.of(), Map.of(), 10, Map.of());
        String targets = Report.targets(r);
        // Every server core is busy 100 ticks a round, so core µs/req is inverse to req/s: jring's over
        // Netty io_uring's is 1 in round 1 and 40/52 in round 2.
        assertTrue(targets.matches("(?s).*\\| server CPU/req vs Netty io_uring, echo N=100 +\\| 0\\.885 \\(0\\.769–1\\.00\\) +\\| ≤ 0\\.95 \\| +met \\|.*"),
                targets);
        assertTrue(targets.contains("met"), targets);
        assertTrue(targets.contains("| user µs/req, echo N=100 "), targets);
        Results.Cell netty = r.cells(o.workloads().get(0)).get(1);
        assertEquals("netty-epoll", netty.server());
        assertEquals((40.0 / 50 + 39.0 / 52) / 2, netty.rpsVsBaseline().median(), 1e-9);
        Results.Cell failed = r.cells(o.workloads().get(1)).get(1);
        assertEquals(1, failed.rps().count());
        assertEquals(List.of("round 2: server died"), failed.failures());

        String svg = Chart.svg(r);
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8))); // well-formed XML
        assertTrue(svg.contains("echo — requests/s"));
        assertEquals(1, svg.split("<svg", -1).length - 1);
    }

    @Test
    void aRatioAgainstAPeerWithNoMeasurableTimeGetsNoVerdict() {
        Options o = Options.parse(new String[] {"--rounds", "1", "--connections", "100", "--workloads", "http-p16",
                "--servers", "jring-io_uring,c-liburing"}, Path.of("out"));
        // The C server's user time rounded to 0 ticks in a short run: its ratio is infinite.
        LoadGen.Run c = new LoadGen.Run("c-liburing", "http-p16", 100, 16, 1, 1.0, 900_000, 900_000,
                100, 200, 300, 400, 500, 0, 900_000L * 5_000L, 100, 5, 100, 50, 100, 0, 90, "uringgen", null);
        Results r = new Results(o, null, List.of(run("jring-io_uring", "http-p16", 1, 800_000), c),
                List.of(), List.of(), List.of(), List.of(), Map.of(), 10, Map.of());
        String targets = Report.targets(r);
        assertTrue(targets.matches("(?s).*\\| user µs/req vs C liburing's, http-p16 N=100 +\\| — +\\| +≤ 1\\.5 \\| +not measurable.*"),
                targets);
        assertFalse(targets.contains("Infinity"), targets);
    }

    private static LoadGen.Run run(String server, String workload, int round, double rps) {
        return run(server, workload, round, rps, 50);
    }

    /** A run whose server core was fully busy for one second, and whose generator CPU was genBusyPercent busy. */
    private static LoadGen.Run run(String server, String workload, int round, double rps, int genBusyPercent) {
        long requests = (long) rps;
        return new LoadGen.Run(server, workload, 100, workload.equals("echo") ? 1 : 16, round, 1.0, requests, rps,
                100, 200, 300, 400, 500, 0, requests * 5_000L, 100, 5, 100, genBusyPercent, 100, 60, 30, "uringgen", null);
    }
}
