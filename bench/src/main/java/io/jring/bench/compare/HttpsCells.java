package io.jring.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The https cells of issue 15, as the last phase of {@code compare}: bench/https-cells.sh runs
 * jring (io_uring and epoll) with {@code Tls.server}, Netty with its JDK-engine SslHandler and nginx
 * with ssl, loaded by wrk (uringgen speaks no TLS), one request at a time and 100 connections 16
 * deep, rounds interleaved; then a JFR profile of jring's share of time in the JDK's crypto. This
 * class runs it and turns its CSV into the report's section: medians per server and cell.
 */
final class HttpsCells {
    private HttpsCells() {}

    /** Runs the script into {@code dir}; returns the report section, or a line saying why there is none. */
    static String run(Path benchDir, Path dir, double seconds, int rounds) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve("https-cells.log");
        Process p = new ProcessBuilder("bash", benchDir.resolve("https-cells.sh").toString(), dir.toString(),
                Long.toString(Math.max(1, Math.round(seconds))), Integer.toString(rounds))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return "## https (wrk)\n\nThe https cells did not finish within 30 minutes; see " + log + ".\n\n";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while the https cells ran", e);
        }
        Path csv = dir.resolve("https.csv");
        if (p.exitValue() != 0 || !Files.exists(csv)) {
            return "## https (wrk)\n\nThe https cells failed (exit " + p.exitValue() + "): "
                    + Report.oneLine(tail(log)) + " (" + log + ").\n\n";
        }
        Path share = dir.resolve("jring-crypto-share.txt");
        return section(Files.readAllLines(csv, StandardCharsets.UTF_8),
                Files.exists(share) ? Files.readAllLines(share, StandardCharsets.UTF_8).getFirst() : "");
    }

    /**
     * The report section from the script's CSV ({@code round,server,cell,req_per_s,
     * server_cpu_us_per_req,server_cpu_pct,wrk_cpu_pct,errors}) and the first line of its crypto
     * share file ({@code samples=N crypto_top_frame=M share=P%}).
     */
    static String section(List<String> csvLines, String cryptoShare) {
        Map<String, List<String[]>> byCell = new LinkedHashMap<>();
        for (String line : csvLines.subList(1, csvLines.size())) {
            String[] f = line.split(",", -1);
            if (f.length >= 7) {
                byCell.computeIfAbsent(f[1] + "\u0000" + f[2], k -> new ArrayList<>()).add(f);
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, List<String[]>> e : byCell.entrySet()) {
            List<String[]> runs = e.getValue();
            Stats rps = Stats.of(runs.stream().map(f -> Double.parseDouble(f[3])).toList());
            Stats cpu = Stats.of(runs.stream().map(f -> Double.parseDouble(f[4])).toList());
            Stats wrkCpu = Stats.of(runs.stream().map(f -> Double.parseDouble(f[6])).toList());
            boolean errors = runs.stream().anyMatch(f -> f.length > 7 && !f[7].isBlank());
            rows.add(List.of(runs.getFirst()[1], runs.getFirst()[2],
                    String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", rps.median(), rps.min(), rps.max()),
                    String.format(Locale.ROOT, "%.1f", cpu.median()),
                    String.format(Locale.ROOT, "%.0f%%", wrkCpu.median()),
                    wrkCpu.max() >= 90 ? "wrk-bound" : "server", errors ? "errors: see https.csv" : ""));
        }
        StringBuilder md = new StringBuilder("\n## https (wrk)\n\n");
        md.append("TLS 1.3 over the http workload: jring with `Tls.server` on both backends, Netty epoll with its")
                .append(" `SslHandler` over the same JDK engine, nginx with ssl (OpenSSL). The generator is **wrk**")
                .append(" (one thread, on the generator's CPU): uringgen speaks no TLS. `c1` is one request at a time,")
                .append(" `c100-p16` 100 connections 16 deep. Medians over the rounds (min–max); CPU per request is")
                .append(" the server process's own (/proc/PID/stat); a cell is wrk-bound when wrk's CPU reached 90%.\n\n");
        md.append(Report.table(List.of("server", "cell", "req/s", "server CPU µs/req", "wrk CPU", "bound", "note"), rows));
        java.util.regex.Matcher share = java.util.regex.Pattern.compile("samples=(\\d+) .*share=(\\d+%)").matcher(cryptoShare);
        if (share.find()) {
            md.append("\nJFR profile of jring io_uring + TLS, pipelined: ").append(share.group(2)).append(" of ")
                    .append(share.group(1)).append(" Java execution samples had their top frame in the JDK's crypto and")
                    .append(" TLS code (JFR samples Java only; the handshakes are included).\n");
        }
        return md.append('\n').toString();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        return String.join(" ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
