package io.jring.uring;

import io.jring.op.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * In-flight operations by slot. A CQE's user_data is {@code generation << 32 | slot}: the
 * slot finds the op without hashing or boxing, and the generation rejects a completion that
 * belongs to an earlier occupant of a reused slot.
 *
 * <p>Each slot also keeps the driver's own record of how its op stands ({@link #LIVE},
 * {@link #DRAINING}, {@link #DOOMED}); ops themselves know nothing of it.
 */
final class OpTable {
    /** Running normally: its CQEs go to {@code Op.complete}. */
    static final byte LIVE = 0;
    /**
     * Failed (its {@code complete} threw) while the kernel still had it armed: cancelled, and its
     * further CQEs only give back what they carry until the last one ends it.
     */
    static final byte DRAINING = 1;
    /** The kernel dropped completions while it was in flight: its future has failed, a cancel is on its way. */
    static final byte DOOMED = 2;

    private Op<?>[] ops;
    private byte[] states;
    private int[] generations;
    private int[] free;
    private int freeCount;
    private int size;

    OpTable(int initialCapacity) {
        ops = new Op<?>[initialCapacity];
        states = new byte[initialCapacity];
        generations = new int[initialCapacity];
        free = new int[initialCapacity];
        grow(0, initialCapacity);
    }

    /** Places {@code op} and returns its user_data. */
    long add(Op<?> op) {
        if (freeCount == 0) {
            int old = ops.length;
            ops = Arrays.copyOf(ops, old * 2);
            states = Arrays.copyOf(states, old * 2);
            generations = Arrays.copyOf(generations, old * 2);
            free = Arrays.copyOf(free, old * 2);
            grow(old, old * 2);
        }
        int slot = free[--freeCount];
        ops[slot] = op;
        op.slot(slot);
        size++;
        return userData(slot);
    }

    long userData(int slot) {
        return ((long) generations[slot] << 32) | slot;
    }

    /** The op for a CQE, or null if the user_data is stale. */
    Op<?> find(long userData) {
        int slot = (int) userData;
        if (slot < 0 || slot >= ops.length || generations[slot] != (int) (userData >>> 32)) {
            return null;
        }
        return ops[slot];
    }

    boolean contains(Op<?> op) {
        return op.slot() >= 0 && op.slot() < ops.length && ops[op.slot()] == op;
    }

    void remove(Op<?> op) {
        int slot = op.slot();
        ops[slot] = null;
        states[slot] = LIVE;
        // Generations stay positive and below 2^31 so no user_data can equal the reserved values.
        generations[slot] = generations[slot] == Integer.MAX_VALUE ? 1 : generations[slot] + 1;
        free[freeCount++] = slot;
        op.slot(-1);
        size--;
    }

    byte state(Op<?> op) {
        return states[op.slot()];
    }

    void state(Op<?> op, byte state) {
        states[op.slot()] = state;
    }

    /** The ops in flight now, for a pass that may end some of them. */
    List<Op<?>> snapshot() {
        List<Op<?>> all = new ArrayList<>(size);
        for (Op<?> op : ops) {
            if (op != null) {
                all.add(op);
            }
        }
        return all;
    }

    int size() {
        return size;
    }

    int capacity() {
        return ops.length;
    }

    private void grow(int from, int to) {
        for (int slot = to - 1; slot >= from; slot--) {
            generations[slot] = 1;
            free[freeCount++] = slot;
        }
    }
}
