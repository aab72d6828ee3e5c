package io.jring.examples.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * strace attached to a server's event-loop threads only (the threads named {@code jring-...}),
 * recording the calls that could read a file — read, pread, readv, sendfile, splice,
 * copy_file_range, each with its descriptor's path ({@code -y}) — and the loop's own wait
 * (io_uring_enter, epoll_wait), which proves the trace saw the thread at all.
 */
final class LoopSyscalls {
    private static final String CALLS = "read,pread64,readv,preadv,preadv2,sendfile,splice,copy_file_range,"
            + "io_uring_enter,epoll_wait,epoll_pwait";
    private final Process strace;
    private final Path output;

    private LoopSyscalls(Process strace, Path output) {
        this.strace = strace;
        this.output = output;
    }

    static LoopSyscalls trace(long pid) throws IOException, InterruptedException {
        List<String> loopThreads = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).startsWith("jring-")) {
                    loopThreads.add(task.getFileName().toString());
                }
            }
        }
        if (loopThreads.isEmpty()) {
            throw new IllegalStateException("no jring- loop thread in process " + pid);
        }
        Path output = Files.createTempFile("jring-loop-strace", ".txt");
        List<String> command = new ArrayList<>(List.of("strace", "-qq", "-y", "-e", "trace=" + CALLS, "-o",
                output.toString()));
        for (String tid : loopThreads) {
            command.add("-p");
            command.add(tid);
        }
        Process strace;
        try {
            strace = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IOException("strace is needed to check the loop threads' syscalls (apt-get install strace)", e);
        }
        // Attached once every loop thread names a tracer: the transfer must not start earlier.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (String tid : loopThreads) {
            while (!traced(pid, tid)) {
                if (!strace.isAlive() || System.nanoTime() > deadline) {
                    strace.destroyForcibly();
                    throw new IllegalStateException("strace did not attach to loop thread " + tid
                            + " (exit " + (strace.isAlive() ? "none" : strace.exitValue()) + ")");
                }
                Thread.sleep(10);
            }
        }
        return new LoopSyscalls(strace, output);
    }

    private static boolean traced(long pid, String tid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + tid + "/status"))) {
            if (line.startsWith("TracerPid:")) {
                return !line.substring("TracerPid:".length()).trim().equals("0");
            }
        }
        return false;
    }

    /** Detaches (strace leaves its tracees running on SIGTERM) and returns the recorded calls. */
    List<String> stop() throws IOException, InterruptedException {
        strace.destroy();
        if (!strace.waitFor(10, TimeUnit.SECONDS)) {
            strace.destroyForcibly();
        }
        // With several tracees strace starts each line with the thread's id: drop it.
        List<String> calls = Files.readAllLines(output).stream().map(line -> line.replaceFirst("^\\d+ +", "")).toList();
        Files.deleteIfExists(output);
        return calls;
    }
}
