package io.jring.uring;

import io.jring.op.Op;
import java.util.Arrays;

/**
 * In-flight operations by slot. A CQE's user_data is {@code generation << 32 | slot}: the
 * slot finds the op without hashing or boxing, and the generation rejects a completion that
 * belongs to an earlier occupant of a reused slot.
 */
final class OpTable {
    private Op<?>[] ops;
    private int[] generations;
    private int[] free;
    private int freeCount;
    private int size;

    OpTable(int initialCapacity) {
        ops = new Op<?>[initialCapacity];
        generations = new int[initialCapacity];
        free = new int[initialCapacity];
        grow(0, initialCapacity);
    }

    /** Places {@code op} and returns its user_data. */
    long add(Op<?> op) {
        if (freeCount == 0) {
            int old = ops.length;
            ops = Arrays.copyOf(ops, old * 2);
            generations = Arrays.copyOf(generations, old * 2);
            free = Arrays.copyOf(free, old * 2);
            grow(old, old * 2);
        }
        int slot = free[--freeCount];
        ops[slot] = op;
        op.slot = slot;
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
        return op.slot >= 0 && op.slot < ops.length && ops[op.slot] == op;
    }

    void remove(Op<?> op) {
        int slot = op.slot;
        ops[slot] = null;
        // Generations stay positive and below 2^31 so no user_data can equal the reserved values.
        generations[slot] = generations[slot] == Integer.MAX_VALUE ? 1 : generations[slot] + 1;
        free[freeCount++] = slot;
        op.slot = -1;
        size--;
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
