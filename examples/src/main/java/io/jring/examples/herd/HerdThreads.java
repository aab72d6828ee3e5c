package io.jring.examples.herd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What the kernel says about the herd's threads, from {@code /proc/self/task/TID/status}:
 * whether each one sleeps, and which ones it woke.
 *
 * <p>A thread blocked in epoll_wait switches out voluntarily once more each time it is woken
 * and goes back to sleep, whether epoll_wait then returned to it or, finding the connection
 * already taken, put it back to sleep inside the kernel. The second kind is invisible from user
 * space and is still the herd's cost: a wake-up, a trip through the scheduler and a poll of the
 * socket, for nothing. A woken thread shows as runnable ({@code R}) until it has run, so "every
 * thread sleeps" also tells the client that no wake of the last connection is still pending.
 */
final class HerdThreads {
    private static final String STATE = "State:";
    private static final String VOLUNTARY_SWITCHES = "voluntary_ctxt_switches:";
    private final AtomicIntegerArray tids;
    private long[] lastSwitches;

    HerdThreads(int threads) {
        tids = new AtomicIntegerArray(threads);
    }

    /** Called by herd thread {@code thread} itself, before it first waits. */
    void register(int thread) throws IOException {
        // /proc/thread-self links to /proc/PID/task/TID of the calling thread.
        Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
        tids.set(thread, Integer.parseInt(self.getFileName().toString()));
    }

    /** True if every thread sleeps ({@code S}): none is running or woken and waiting for a CPU. */
    boolean allSleeping() throws IOException {
        for (int t = 0; t < tids.length(); t++) {
            if (!field(tids.get(t), STATE).startsWith("S")) {
                return false;
            }
        }
        return true;
    }

    /** Remembers every thread's switch count; call while they all sleep. */
    void snapshot() throws IOException {
        lastSwitches = voluntarySwitches();
    }

    /** How many threads switched since the last call (or {@link #snapshot}); starts the next interval. */
    int wokenSinceLast() throws IOException {
        long[] now = voluntarySwitches();
        int woken = 0;
        for (int t = 0; t < now.length; t++) {
            if (now[t] != lastSwitches[t]) {
                woken++;
            }
        }
        lastSwitches = now;
        return woken;
    }

    private long[] voluntarySwitches() throws IOException {
        long[] switches = new long[tids.length()];
        for (int t = 0; t < switches.length; t++) {
            switches[t] = Long.parseLong(field(tids.get(t), VOLUNTARY_SWITCHES));
        }
        return switches;
    }

    private static String field(int tid, String name) throws IOException {
        Path status = Path.of("/proc/self/task/" + tid + "/status");
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(name)) {
                return line.substring(name.length()).strip();
            }
        }
        throw new IOException(status + " has no " + name);
    }
}
