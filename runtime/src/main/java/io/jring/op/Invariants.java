package io.jring.op;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A debug-mode checker of the rules the runtime's safety rests on, switched on with
 * {@code -Djring.debug.invariants=true} (every test run of this project does):
 *
 * <ul>
 *   <li>every address an op writes into an SQE lies in memory that op holds (a pooled block it
 *       took or borrowed, or memory it allocated itself), so the kernel never gets an address
 *       the runtime does not own and keep alive until the last CQE. A violating SQE is never
 *       submitted: the op fails instead;
 *   <li>every op ends exactly once, and its future is complete when it does;
 *   <li>no op a loop submitted is left when the loop stops.
 * </ul>
 *
 * Violations are logged at ERROR and kept for tests to assert on. With the checker off, only
 * the end-once rule is still enforced (an ended op is marked in its deadline index).
 */
public final class Invariants {
    public static final boolean ENABLED = Boolean.getBoolean("jring.debug.invariants");
    private static final System.Logger LOG = System.getLogger("io.jring");
    private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();
    /** Violations kept (and logged) until the next {@link #clear()}; later ones are dropped. */
    private static final int KEPT = 20;

    private Invariants() {}

    /** Records a broken rule (always logged; kept for {@link #violations()}). */
    public static void violated(String what) {
        if (VIOLATIONS.size() < KEPT) { // a broken rule tends to break thousands of times
            VIOLATIONS.add(what);
            LOG.log(System.Logger.Level.ERROR, "jring invariant violated: " + what, new Throwable("here"));
        }
    }

    /** What was violated since the last {@link #clear()}. */
    public static List<String> violations() {
        return List.copyOf(VIOLATIONS);
    }

    public static void clear() {
        VIOLATIONS.clear();
    }

    /**
     * Checks the memory an SQE of {@code op} names (address 0: none, or the kernel picks from the
     * provided-buffer ring). Throws, so that the driver fails the op instead of submitting it.
     */
    public static void checkSqe(Op<?> op, int opcode, long address, int length) {
        // OPENAT's len is the mode and STATX's the mask: their addr (a path) is checked alone.
        int named = opcode == io.jring.bindings.IoUringConstants.IORING_OP_OPENAT
                || opcode == io.jring.bindings.IoUringConstants.IORING_OP_STATX ? 1 : length;
        if (address == 0 || !addrIsMemory(opcode) || op.holdsMemory(address, named)) {
            return;
        }
        String what = op.name() + " (opcode " + opcode + ", fd " + op.fd() + ") named 0x" + Long.toHexString(address)
                + "+" + length + ", memory it does not hold";
        violated(what);
        throw new IllegalStateException("jring invariant: " + what);
    }

    /** Opcodes whose {@code addr} field is not an address: SPLICE's is an offset in its input file. */
    private static boolean addrIsMemory(int opcode) {
        return opcode != io.jring.bindings.IoUringConstants.IORING_OP_SPLICE;
    }

    /** Whether {@code [address, address + length)} lies in {@code segment}, which is still alive. */
    public static boolean within(MemorySegment segment, long address, long length) {
        return segment != null && segment.scope().isAlive() && address >= segment.address()
                && length >= 0 && address + length <= segment.address() + segment.byteSize();
    }
}
