package io.jring.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** What the figures were measured on, for the report's header. */
final class Machine {
    final String date = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    final String kernel;
    final String cpuModel;
    final int cpus;
    final boolean pinned;
    final String jdk;
    final String gcc;
    final String nginx;
    final String wrk;
    final String liburing;
    final String loadStart;
    String loadEnd = "?";

    private Machine(Toolchain tools) {
        kernel = firstLine(Toolchain.run(List.of("uname", "-r")));
        cpuModel = cpuModel();
        cpus = tools.cpus;
        pinned = tools.pinned();
        jdk = System.getProperty("java.vm.vendor", "") + " " + Runtime.version();
        gcc = tools.gcc.map(g -> firstLine(Toolchain.run(List.of(g.toString(), "--version")))).orElse("none");
        nginx = tools.nginx.map(n -> firstLine(Toolchain.run(List.of(n.toString(), "-v")))).orElse("not installed")
                .replace("nginx version: ", "").replace("nginx/", "");
        wrk = tools.wrk.map(w -> firstLine(Toolchain.run(List.of(w.toString(), "-v"))).replaceAll("\\s*\\[.*$", "")
                .replaceAll("\\s*Copyright.*$", "")).orElse("wrk not installed");
        String dpkg = firstLine(Toolchain.run(List.of("dpkg-query", "-W", "-f", "${Version}", "liburing2")));
        liburing = dpkg.isEmpty() || dpkg.contains("no packages") ? "?" : dpkg;
        loadStart = loadAverage();
    }

    static Machine describe(Toolchain tools) {
        return new Machine(tools);
    }

    void finish() {
        loadEnd = loadAverage();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux, or restricted
        }
        return "unknown CPU";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").trim();
    }
}
