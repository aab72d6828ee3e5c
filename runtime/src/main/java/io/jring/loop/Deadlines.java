package io.jring.loop;

import io.jring.op.Op;
import java.util.Arrays;

/**
 * The deadlines of ops that wait in the loop rather than in the kernel (queued behind another
 * op of their connection, or waiting for data a multishot recv has not brought yet): a binary
 * min-heap on {@link Op#deadlineNanos()} whose entries know their own index, so an op that
 * stops waiting leaves in O(log n) and nothing is kept alive until its deadline. The loop
 * sleeps no longer than to the first of them. Loop thread only.
 */
final class Deadlines {
    private Op<?>[] heap = new Op<?>[16];
    private int size;

    void add(Op<?> op) {
        if (op.deadlineIndex() != Op.NOT_WATCHED) { // in the heap already, or ended
            return;
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        op.deadlineIndex(size);
        heap[size++] = op;
        siftUp(op.deadlineIndex());
    }

    /** Takes {@code op} out if it is in; cheap when it is not. */
    void remove(Op<?> op) {
        int index = op.deadlineIndex();
        if (index < 0) {
            return;
        }
        op.deadlineIndex(Op.NOT_WATCHED);
        Op<?> last = heap[--size];
        heap[size] = null;
        if (index < size) {
            place(last, index);
            siftDown(index);
            siftUp(last.deadlineIndex());
        }
    }

    /** Nanoseconds from {@code now} to the first deadline: 0 if it passed, -1 if there is none. */
    long nanosToNext(long now) {
        return size == 0 ? -1 : Math.max(0, heap[0].deadlineNanos() - now);
    }

    /** Removes and returns an op whose deadline is at or before {@code now}, or null. */
    Op<?> pollExpired(long now) {
        if (size == 0 || heap[0].deadlineNanos() - now > 0) {
            return null;
        }
        Op<?> first = heap[0];
        remove(first);
        return first;
    }

    int size() {
        return size;
    }

    private void siftUp(int index) {
        Op<?> op = heap[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (!earlier(op, heap[parent])) {
                break;
            }
            place(heap[parent], index);
            index = parent;
        }
        place(op, index);
    }

    private void siftDown(int index) {
        Op<?> op = heap[index];
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            if (child + 1 < size && earlier(heap[child + 1], heap[child])) {
                child++;
            }
            if (!earlier(heap[child], op)) {
                break;
            }
            place(heap[child], index);
            index = child;
        }
        place(op, index);
    }

    private void place(Op<?> op, int index) {
        heap[index] = op;
        op.deadlineIndex(index);
    }

    /** nanoTime values are compared by difference: they may wrap. */
    private static boolean earlier(Op<?> a, Op<?> b) {
        return a.deadlineNanos() - b.deadlineNanos() < 0;
    }
}
