package io.jring.jfr;

import io.jring.LoopStats;
import io.jring.RuntimeStats;
import jdk.jfr.FlightRecorder;

/**
 * The only class outside the event classes that names {@code jdk.jfr} types. It is loaded only
 * once {@link JringEvents} has found the module, so a runtime image without {@code jdk.jfr}
 * never resolves a reference to it.
 */
final class JfrBridge {
    private JfrBridge() {}

    /** Registers the events and the statistics hook, which JFR calls only while a recording wants it. */
    static void registerPeriodic() {
        // Registered (and so loaded) now, not at the first blocked loop or leak: that may come
        // when the process has no descriptor left to read a class file with.
        FlightRecorder.register(BackendSelectedEvent.class);
        FlightRecorder.register(BlockedLoopEvent.class);
        FlightRecorder.register(BufferLeakEvent.class);
        FlightRecorder.addPeriodicEvent(LoopStatisticsEvent.class, JfrBridge::emitLoopStatistics);
    }

    private static void emitLoopStatistics() {
        for (RuntimeStats stats : JringEvents.openRuntimeStats()) {
            for (LoopStats loop : stats.loops()) {
                LoopStatisticsEvent event = new LoopStatisticsEvent();
                event.runtime = stats.runtime();
                event.loop = loop.name();
                event.backend = loop.backend().label();
                event.sqesSubmitted = loop.sqesSubmitted();
                event.cqesReaped = loop.cqesReaped();
                event.enterCalls = loop.enterCalls();
                event.cqOverflows = loop.cqOverflows();
                event.providedBufferShortages = loop.providedBufferShortages();
                event.poolRefusals = loop.poolRefusals();
                event.zeroCopySends = loop.zeroCopySends();
                event.zeroCopyCopied = loop.zeroCopyCopied();
                event.buffersInUse = loop.buffersInUse();
                event.bufferMemory = loop.bufferMemory();
                event.connections = loop.connections();
                event.commit();
            }
        }
    }

    static void backendSelected(int runtime, String backend, String fallbackReason, int loops, String settings) {
        BackendSelectedEvent event = new BackendSelectedEvent();
        if (event.isEnabled()) {
            event.runtime = runtime;
            event.backend = backend;
            event.fallbackReason = fallbackReason;
            event.loops = loops;
            event.settings = settings;
            event.commit();
        }
    }

    static void blockedLoop(String loop, long heldNanos, long thresholdNanos, String stack) {
        BlockedLoopEvent event = new BlockedLoopEvent();
        if (event.isEnabled()) {
            event.loop = loop;
            event.heldFor = heldNanos;
            event.threshold = thresholdNanos;
            event.stack = stack;
            event.commit();
        }
    }

    static void bufferLeak(Throwable site) {
        BufferLeakEvent event = new BufferLeakEvent();
        if (event.isEnabled()) {
            event.stack = JringEvents.frames(site.getStackTrace());
            event.commit();
        }
    }
}
