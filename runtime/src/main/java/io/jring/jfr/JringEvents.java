package io.jring.jfr;

import io.jring.IoRuntime;
import io.jring.RuntimeStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The runtime's door to its {@code jring.*} JFR events (category "jring"). JFR is optional: the
 * runtime module only {@code requires static jdk.jfr}, and a runtime image made without it
 * (jlink) must still run. So nothing here names a {@code jdk.jfr} type; {@link JfrBridge} does,
 * and is touched only when the module is there and readable. If it still fails to link, events
 * are switched off for the rest of the process, once, with one log line.
 *
 * <p>Cost when no recording runs: the rare events (backend, blocked loop, leak) make one small
 * object and ask {@code isEnabled()}; the statistics are read by JFR's own thread, and only
 * while a recording wants them. The loops never do anything for JFR.
 */
public final class JringEvents {
    private static final System.Logger LOG = System.getLogger("io.jring");
    private static volatile boolean available = jfrPresent();
    private static final AtomicBoolean PERIODIC_REGISTERED = new AtomicBoolean();
    /** Runtimes open now, whose loops the periodic hook reports. */
    private static final Set<IoRuntime> OPEN = ConcurrentHashMap.newKeySet();

    private JringEvents() {}

    /** Whether jdk.jfr is in this process and readable by the runtime (it may be absent from a jlinked image). */
    public static boolean available() {
        return available;
    }

    private static boolean jfrPresent() {
        Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
        return jfr.isPresent() && JringEvents.class.getModule().canRead(jfr.get());
    }

    /** A runtime opened: report it, and include its loops in {@code jring.LoopStatistics}. */
    public static void runtimeOpened(IoRuntime runtime, int number, String backend, String fallbackReason,
                                     int loops, String settings) {
        if (!available) {
            return;
        }
        OPEN.add(runtime);
        guarded(() -> {
            if (PERIODIC_REGISTERED.compareAndSet(false, true)) {
                JfrBridge.registerPeriodic();
            }
            JfrBridge.backendSelected(number, backend, fallbackReason, loops, settings);
        });
    }

    public static void runtimeClosed(IoRuntime runtime) {
        OPEN.remove(runtime);
    }

    /** For the periodic hook: every open runtime's stats. */
    static List<RuntimeStats> openRuntimeStats() {
        List<RuntimeStats> all = new ArrayList<>();
        for (IoRuntime runtime : OPEN) {
            all.add(runtime.stats());
        }
        return all;
    }

    public static void blockedLoop(String loop, long heldNanos, long thresholdNanos, String stack) {
        if (available) {
            guarded(() -> JfrBridge.blockedLoop(loop, heldNanos, thresholdNanos, stack));
        }
    }

    /** A buffer leaked; {@code site} is where it was handed out. */
    public static void bufferLeak(Throwable site) {
        if (available) {
            guarded(() -> JfrBridge.bufferLeak(site));
        }
    }

    private static void guarded(Runnable emit) {
        try {
            emit.run();
        } catch (LinkageError e) {
            available = false;
            LOG.log(System.Logger.Level.INFO, "jring JFR events are off: jdk.jfr could not be linked (" + e + ")");
        }
    }

    /** Stack frames one per line, as a thread dump shows them (at most 64). */
    public static String frames(StackTraceElement[] frames) {
        int shown = Math.min(frames.length, 64);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            text.append("\tat ").append(frames[i]).append('\n');
        }
        if (frames.length > shown) {
            text.append("\t... ").append(frames.length - shown).append(" more\n");
        }
        return text.toString();
    }
}
