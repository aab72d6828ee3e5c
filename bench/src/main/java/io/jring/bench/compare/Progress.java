package io.jring.bench.compare;

import java.io.PrintStream;

/**
 * The progress line on stderr: step, phase, server, workload and an estimate of the time left,
 * from the planned step lengths scaled by how fast the steps so far actually went.
 */
final class Progress {
    private final PrintStream out;
    private final boolean tty;
    private final long started = System.nanoTime();
    private double planned;
    private double done;

    Progress(PrintStream out, double plannedSeconds) {
        this.out = out;
        this.tty = System.console() != null;
        this.planned = plannedSeconds;
    }

    /** Announces a step that should take {@code seconds}; call {@link #done} after it. */
    void step(String what, double seconds) {
        String line = String.format("[%3.0f%% %6s] %s  (~%s left)", 100 * Math.min(1, done / Math.max(1e-9, planned)),
                duration(elapsedSeconds()), what, duration(left()));
        if (tty) {
            out.print("\r\033[K" + line);
        } else {
            out.println(line);
        }
        out.flush();
        current = seconds;
    }

    private double current;

    void done() {
        done += current;
        current = 0;
    }

    /** Drops planned work that will not run (a server that did not start). */
    void skip(double seconds) {
        planned -= seconds;
    }

    void finish(String message) {
        if (tty) {
            out.print("\r\033[K");
        }
        out.println(message);
    }

    double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private double left() {
        double remaining = Math.max(0, planned - done);
        if (done > 5) {
            remaining *= elapsedSeconds() / done;
        }
        return remaining;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s" : s + "s";
    }
}
