package io.jring.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The tools the bench uses beside Java: gcc (required), perf, wrk, nginx, taskset (optional). */
final class Toolchain {
    final Path cSources;
    final Path nativeDir;
    final Optional<Path> gcc = which("gcc");
    final Optional<Path> taskset = which("taskset");
    final Optional<Path> perf = which("perf");
    final Optional<Path> wrk = which("wrk");
    final Optional<Path> nginx = which("nginx", "/usr/sbin/nginx");
    final int cpus = Runtime.getRuntime().availableProcessors();

    Toolchain(Path benchDir) {
        this.cSources = benchDir.resolve("src/main/c");
        this.nativeDir = benchDir.resolve("target/native");
    }

    /** Whether server and generator get a CPU each. */
    boolean pinned() {
        return cpus > 1 && taskset.isPresent();
    }

    /** The command prefix that pins to {@code cpu} (empty on one CPU). */
    List<String> pin(int cpu) {
        return pinned() ? List.of(taskset.get().toString(), "-c", Integer.toString(cpu)) : List.of();
    }

    /**
     * Compiles {@code name}.c into target/native unless the binary is newer than the source.
     * Returns the binary, or a reason it could not be built.
     */
    Result<Path> compile(String name, String... libraries) {
        Path source = cSources.resolve(name + ".c");
        Path binary = nativeDir.resolve(name);
        if (gcc.isEmpty()) {
            return Result.failed("gcc is not installed (apt-get install gcc)");
        }
        try {
            if (Files.exists(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
                return Result.ok(binary);
            }
            Files.createDirectories(nativeDir);
            List<String> cmd = new ArrayList<>(List.of(gcc.get().toString(), "-O2", "-Wall", "-pthread", "-o",
                    binary.toString(), source.toString()));
            for (String lib : libraries) {
                cmd.add("-l" + lib);
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                String hint = output.contains("liburing.h") ? " (apt-get install liburing-dev)" : "";
                return Result.failed("gcc " + name + ".c failed" + hint + ": " + firstLines(output, 3));
            }
            return Result.ok(binary);
        } catch (IOException e) {
            return Result.failed("gcc " + name + ".c: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed("interrupted");
        }
    }

    /** Whether perf can count syscall tracepoints here (installed, and permitted). */
    Result<Path> perfForSyscalls() {
        if (perf.isEmpty()) {
            return Result.failed("perf is not installed (apt-get install linux-perf)");
        }
        String out = run(List.of(perf.get().toString(), "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true"));
        if (out == null || !out.contains("raw_syscalls:sys_enter") || out.contains("not supported")
                || out.contains("<not counted>")) {
            return Result.failed("perf cannot count raw_syscalls:sys_enter here (tracefs, perf_event_paranoid?): "
                    + firstLines(String.valueOf(out), 2));
        }
        return Result.ok(perf.get());
    }

    /** Runs a short command, returns its merged output (or null if it could not run). */
    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String firstLines(String s, int n) {
        return String.join(" / ", s.lines().limit(n).toList()).trim();
    }

    private static Optional<Path> which(String name, String... extra) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        for (String e : extra) {
            if (Files.isExecutable(Path.of(e))) {
                return Optional.of(Path.of(e));
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/local/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A value or why there is none. */
    record Result<T>(T value, String reason) {
        static <T> Result<T> ok(T value) {
            return new Result<>(value, null);
        }

        static <T> Result<T> failed(String reason) {
            return new Result<>(null, reason);
        }

        boolean ok() {
            return value != null;
        }
    }
}
