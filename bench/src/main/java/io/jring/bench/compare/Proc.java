package io.jring.bench.compare;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What /proc says about a process and the CPUs. */
final class Proc {
    /** Clock ticks per second of /proc/stat (USER_HZ, 100 on every Linux this runs on). */
    static final double TICKS_PER_SECOND = 100.0;

    /**
     * CPU time of every thread of {@code pid}, in ns: the sum of the threads' schedstat run
     * times (nanosecond precision), or utime+stime from /proc/PID/stat (10 ms ticks) without
     * schedstats. Threads that exit between two readings are lost, so measure a steady state.
     */
    static long cpuNanos(long pid) {
        long sum = 0;
        boolean any = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String s = Files.readString(task.resolve("schedstat")).trim();
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                    any = true;
                } catch (IOException | RuntimeException e) {
                    // a thread that just exited
                }
            }
        } catch (IOException e) {
            return -1;
        }
        if (any) {
            return sum;
        }
        return statTicks(pid) * (long) (1e9 / TICKS_PER_SECOND);
    }

    /** utime + stime of the process (all threads, including exited ones), in ticks. */
    static long statTicks(long pid) {
        UserSystem t = userSystemTicks(pid);
        return t.user() < 0 ? -1 : t.user() + t.system();
    }

    /** A process's user and system CPU time, in ticks. */
    record UserSystem(long user, long system) {
        UserSystem minus(UserSystem earlier) {
            return user < 0 || earlier.user < 0 ? new UserSystem(-1, -1)
                    : new UserSystem(user - earlier.user, system - earlier.system);
        }
    }

    /** utime and stime of the process (all threads, including exited ones), or -1s. */
    static UserSystem userSystemTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return new UserSystem(Long.parseLong(f[11]), Long.parseLong(f[12])); // fields 14 and 15 of stat(5)
        } catch (IOException | RuntimeException e) {
            return new UserSystem(-1, -1);
        }
    }

    /** Resident set size in KiB (VmRSS), or -1. */
    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** One CPU's counters from /proc/stat, in ticks. */
    record CpuTimes(long busy, long softirq, long total) {
        CpuTimes minus(CpuTimes earlier) {
            return new CpuTimes(busy - earlier.busy, softirq - earlier.softirq, total - earlier.total);
        }
    }

    /** The counters of {@code cpuN} (or the "cpu" total line when cpu < 0). */
    static CpuTimes cpu(int cpu) {
        try {
            return parseCpu(Files.readAllLines(Path.of("/proc/stat")), cpu);
        } catch (IOException e) {
            return new CpuTimes(0, 0, 0);
        }
    }

    static CpuTimes parseCpu(List<String> lines, int cpu) {
        String name = cpu < 0 ? "cpu" : "cpu" + cpu;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f[0].equals(name)) {
                long user = Long.parseLong(f[1]), nice = Long.parseLong(f[2]), system = Long.parseLong(f[3]);
                long idle = Long.parseLong(f[4]), iowait = Long.parseLong(f[5]), irq = Long.parseLong(f[6]);
                long softirq = Long.parseLong(f[7]), steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
                long busy = user + nice + system + irq + softirq + steal;
                return new CpuTimes(busy, softirq, busy + idle + iowait);
            }
        }
        return new CpuTimes(0, 0, 0);
    }

    private Proc() {}
}
