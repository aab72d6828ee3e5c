package io.jring.buffer;

import io.jring.IoBuffer;
import io.jring.jfr.JringEvents;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds buffers that became garbage without {@link IoBuffer#release()}. A tracked buffer
 * carries a {@link Record} holding where it was handed out; a {@link Cleaner} runs the record
 * when the buffer is collected, and a record not yet marked released reports the leak (a LEAK
 * WARNING and a {@code jring.BufferLeak} JFR event).
 *
 * <p>{@code -Djring.leakDetection=sampled} (the default) tracks one buffer in {@value #SAMPLE},
 * so the cost on the hot path is one random draw; {@code full} tracks every buffer (tests,
 * debugging); {@code off} none.
 */
public final class LeakTracker {
    static final int SAMPLE = 1024;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger("io.jring");
    private static final Mode MODE = Mode.parse(System.getProperty("jring.leakDetection", "sampled"));
    /** Tracked buffers not yet released nor collected, for the report at close. */
    private static final Set<Record> LIVE = ConcurrentHashMap.newKeySet();

    enum Mode {
        OFF, SAMPLED, FULL;

        static Mode parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "jring.leakDetection=" + value
                        + " is not off, sampled or full: using sampled");
                return SAMPLED;
            }
        }
    }

    private LeakTracker() {}

    /**
     * Loads this class and {@link Record} now. A class loaded for the first time when the process
     * has no descriptor left (EMFILE, exactly when a server is busiest) cannot be read from a
     * class-path directory, and a record is made only for one buffer in a thousand.
     */
    public static void preload() {
        Record.class.getName();
    }

    /** A record for a buffer about to be handed out from {@code owner}, or null when not tracked. */
    public static Record maybeTrack(Object owner) {
        return switch (MODE) {
            case OFF -> null;
            case SAMPLED -> ThreadLocalRandom.current().nextInt(SAMPLE) == 0 ? new Record(owner) : null;
            case FULL -> new Record(owner);
        };
    }

    /** Tracked buffers of {@code owners} still held: where each was handed out (for the close report). */
    public static List<Throwable> stillHeld(Collection<?> owners) {
        List<Throwable> sites = new ArrayList<>();
        for (Record record : LIVE) {
            if (owners.contains(record.owner)) {
                sites.add(record.site);
            }
        }
        return sites;
    }

    /** Whether every buffer is tracked, so that a close report can list every holder. */
    public static boolean tracksAll() {
        return MODE == Mode.FULL;
    }

    /** One tracked buffer. Runs (through the Cleaner) once the buffer is unreachable. */
    public static final class Record implements Runnable {
        private final Object owner;
        private final Throwable site;
        private volatile boolean released;
        private Cleaner.Cleanable cleanable;

        private Record(Object owner) {
            this.owner = owner;
            this.site = new Throwable("IoBuffer handed out here");
        }

        /** Starts watching {@code buffer}; this record must not reference it. */
        public IoBuffer watch(IoBuffer buffer) {
            LIVE.add(this);
            cleanable = CLEANER.register(buffer, this);
            return buffer;
        }

        /** The buffer was released: nothing to report. */
        public void released() {
            released = true;
            LIVE.remove(this);
            Cleaner.Cleanable c = cleanable;
            if (c != null) {
                c.clean(); // deregisters; run() then sees released
            }
        }

        @Override
        public void run() {
            if (!released) {
                LIVE.remove(this);
                JringEvents.bufferLeak(site); // before the log line: a reader of the log may stop the recording
                LOG.log(System.Logger.Level.WARNING, "LEAK: an IoBuffer was garbage-collected without release();"
                        + " its block is lost to the pool until the runtime closes. Release every buffer"
                        + " recv() or allocate() gives you (send() releases the ones it takes)."
                        + " Where it was handed out:", site);
            }
        }
    }
}
