package io.jring;

import java.util.List;

/**
 * A snapshot of a runtime's counters, per loop: {@link IoRuntime#stats()}. The same numbers
 * the {@code jring.LoopStatistics} JFR event records, for programs that do not run JFR.
 *
 * @param runtime this runtime's number in the process (1 for the first opened), also carried
 *                by the {@code jring.*} JFR events so that several runtimes can be told apart
 * @param backend the backend the runtime runs
 * @param loops   one entry per loop, in loop order
 */
public record RuntimeStats(int runtime, Backend backend, List<LoopStats> loops) {
    /** Keeps an unmodifiable copy of {@code loops}. */
    public RuntimeStats {
        loops = List.copyOf(loops);
    }

    /** {@return connections open now, over every loop} */
    public int connections() {
        return loops.stream().mapToInt(LoopStats::connections).sum();
    }

    /** {@return pooled blocks held now, over every loop} */
    public int buffersInUse() {
        return loops.stream().mapToInt(LoopStats::buffersInUse).sum();
    }

    /** {@return SQEs submitted (epoll: operations started), over every loop} */
    public long sqesSubmitted() {
        return loops.stream().mapToLong(LoopStats::sqesSubmitted).sum();
    }

    /** {@return CQEs reaped (epoll: syscall results), over every loop} */
    public long cqesReaped() {
        return loops.stream().mapToLong(LoopStats::cqesReaped).sum();
    }

    /** {@return zero-copy sends whose kernel notification came, over every loop (0 on epoll)} */
    public long zeroCopySends() {
        return loops.stream().mapToLong(LoopStats::zeroCopySends).sum();
    }

    /** {@return zero-copy sends the kernel copied after all, over every loop} */
    public long zeroCopyCopied() {
        return loops.stream().mapToLong(LoopStats::zeroCopyCopied).sum();
    }
}
