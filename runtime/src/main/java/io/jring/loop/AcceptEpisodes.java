package io.jring.loop;

import io.jring.bindings.Errno;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;

/**
 * A listener's log of accept shortages (EMFILE and the like, see {@code AcceptOp.outOfResources}):
 * one WARNING when accepting first pauses, naming the call, the errno and what to raise, and
 * one INFO when a connection is accepted again, with how many retries it took; nothing in
 * between, however many loops and accepts pause and retry meanwhile (a log line per retry
 * would flood the log exactly when the machine is short of resources). A server that sits at
 * its limit pauses again as soon as each freed descriptor is taken, so a new episode is only
 * logged a minute or more after the last one was; the pauses in between are counted, and the
 * next WARNING says how many there were. Thread-safe: each loop's socket reports here.
 *
 * <p>These lines are written when the process may have no descriptor to spare, so writing
 * them must neither need one nor throw into the loop: the JDK's default log formatter loads
 * the time-zone database from a file on its first use (at EMFILE that fails with an Error,
 * and for the rest of the JVM's life), so it is loaded here, at listen time; and if logging
 * fails anyway, the line goes to stderr, which is already open.
 */
final class AcceptEpisodes {
    private static final System.Logger LOG = System.getLogger("io.jring");

    static {
        ZoneId.systemDefault(); // loads tzdb.dat now, while a descriptor is free
    }

    static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final SocketAddress address;
    /** A logged episode is going on: its end is logged too. */
    private boolean active;
    private int retries;
    private long startedNanos;
    private boolean warned;
    private long lastWarningNanos;
    private int unloggedPauses;

    AcceptEpisodes(SocketAddress address) {
        this.address = address;
    }

    /** An accept on {@code call} ({@code accept4} or {@code io_uring accept}) paused for {@code errno}. */
    synchronized void paused(String call, int errno, long firstRetryNanos, long maxRetryNanos) {
        if (active) {
            return;
        }
        long now = System.nanoTime();
        if (warned && now - lastWarningNanos < QUIET_NANOS) {
            unloggedPauses++;
            return;
        }
        active = true;
        retries = 0;
        startedNanos = now;
        warned = true;
        lastWarningNanos = now;
        String since = unloggedPauses == 0 ? "" : " (" + unloggedPauses + " shorter pauses since the last warning)";
        unloggedPauses = 0;
        log(Level.WARNING, "accept on " + address + " paused: " + call + ": " + Errno.describe(errno) + ": "
                + advice(errno) + ". New connections wait in the listen backlog meanwhile; accept is retried every "
                + TimeUnit.NANOSECONDS.toMillis(firstRetryNanos) + " ms, doubling up to "
                + TimeUnit.NANOSECONDS.toMillis(maxRetryNanos) + " ms, until it succeeds" + since);
    }

    /** A paused socket tried again. */
    synchronized void retried() {
        if (active) {
            retries++;
        }
    }

    /** A connection was accepted after a pause: the episode is over. */
    synchronized void resumed() {
        if (!active) {
            return;
        }
        active = false;
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        log(Level.INFO, "accept on " + address + " resumed after " + retries
                + (retries == 1 ? " retry" : " retries") + " over " + millis + " ms");
    }

    private static void log(Level level, String message) {
        try {
            LOG.log(level, message);
        } catch (RuntimeException | Error e) {
            System.err.println("io.jring " + level + ": " + message + " (the logger failed: " + e + ")");
        }
    }

    /** What the user can raise or free, per errno. */
    static String advice(int errno) {
        return switch (errno) {
            case Errno.EMFILE -> "this process has as many descriptors open as RLIMIT_NOFILE allows;"
                    + " raise it (ulimit -n, systemd LimitNOFILE=) or close idle connections";
            case Errno.ENFILE -> "the system has as many files open as fs.file-max allows;"
                    + " raise it (sysctl fs.file-max) or close files";
            default -> "the kernel is short of memory for a new socket;"
                    + " free memory (check net.ipv4.tcp_mem and the memory limit of this cgroup)";
        };
    }
}
