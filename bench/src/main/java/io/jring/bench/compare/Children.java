package io.jring.bench.compare;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every process the bench starts, so that none outlives it: {@link #stopAll} runs at the end
 * and from a shutdown hook (Ctrl-C). Also sends signals (SIGUSR1 marks, SIGINT to perf).
 */
final class Children {
    static final int SIGINT = 2;
    static final int SIGUSR1 = 10;
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final MethodHandle KILL = killHandle();

    @SuppressWarnings("restricted") // kill(2) through FFM: Process offers SIGTERM and SIGKILL only
    private static MethodHandle killHandle() {
        return Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Children::stopAll, "bench-teardown"));
    }

    static Process start(ProcessBuilder builder) throws IOException {
        Process p = builder.start();
        LIVE.add(p);
        p.onExit().thenRun(() -> LIVE.remove(p));
        return p;
    }

    static void signal(Process p, int signal) {
        try {
            int ignored = (int) KILL.invokeExact((int) p.pid(), signal);
        } catch (Throwable t) {
            throw new IllegalStateException("kill(" + p.pid() + ", " + signal + ")", t);
        }
    }

    /** SIGTERM, then SIGKILL after {@code graceMillis}; waits for the exit. */
    static void stop(Process p, long graceMillis) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void stopAll() {
        for (Process p : List.copyOf(LIVE)) {
            p.destroy();
        }
        for (Process p : List.copyOf(LIVE)) {
            stop(p, 3000);
        }
    }

    private Children() {}
}
