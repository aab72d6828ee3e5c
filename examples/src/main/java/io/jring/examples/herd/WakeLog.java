package io.jring.examples.herd;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What happened for each connection of one row: written by the waiting threads (returns from
 * epoll_wait, accepts) and by the client (threads the kernel woke, see {@link HerdThreads}).
 *
 * <p>The kernel does not say which connection woke a thread, so wakes are attributed by time:
 * the client opens connection {@code i} only after connection {@code i - 1} was accepted and
 * every thread has been asleep in {@code epoll_wait} for a settle window, so a thread returning
 * from {@code epoll_wait} meanwhile returned because of connection {@code i}. Accepts need no
 * such trust: the peer port accept4 reports must be the client's port of connection {@code i}.
 */
final class WakeLog {
    private final int[] clientPorts;
    private final int[] kernelWoken; // written and read by the client only
    private final AtomicIntegerArray returnedTo; // bit t set: epoll_wait returned to thread t
    private final AtomicIntegerArray accepts;
    private final AtomicIntegerArray failedAccepts; // EAGAIN: another thread took the connection first
    private final AtomicInteger strays = new AtomicInteger(); // wakes or accepts matching no connection
    private final AtomicInteger busy; // threads not (yet, or no longer) in epoll_wait
    private final Semaphore accepted = new Semaphore(0);
    private volatile int current = -1;
    private volatile long lastActivity = System.nanoTime();
    private volatile String failure;

    WakeLog(int connections, int threads) {
        busy = new AtomicInteger(threads); // each counts itself out before its first epoll_wait
        clientPorts = new int[connections];
        kernelWoken = new int[connections];
        returnedTo = new AtomicIntegerArray(connections);
        accepts = new AtomicIntegerArray(connections);
        failedAccepts = new AtomicIntegerArray(connections);
    }

    // --- the client's side

    /** Connection {@code index} is about to connect from {@code clientPort}. */
    void begin(int index, int clientPort) {
        clientPorts[index] = clientPort;
        current = index; // the volatile write publishes the port to the waiting threads
    }

    /** Waits until connection {@code index} was accepted; false on timeout or a thread's failure. */
    boolean awaitAccept(int index, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // A permit only says "look again"; the count of this connection decides.
        while (accepts.get(index) == 0 && failure == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            accepted.tryAcquire(left, TimeUnit.NANOSECONDS);
        }
        return failure == null;
    }

    /** How long every thread has been back in (or on its way into) epoll_wait; -1 while one is not. */
    long quietNanos() {
        long since = lastActivity;
        return busy.get() == 0 ? System.nanoTime() - since : -1;
    }

    void kernelWoke(int index, int threads) {
        kernelWoken[index] = threads;
    }

    String failure() {
        return failure;
    }

    RowResult result(Scenario scenario, int connections) {
        int[] returned = new int[connections];
        int[] acceptCounts = new int[connections];
        int[] failed = new int[connections];
        for (int i = 0; i < connections; i++) {
            returned[i] = Integer.bitCount(returnedTo.get(i));
            acceptCounts[i] = accepts.get(i);
            failed[i] = failedAccepts.get(i);
        }
        return new RowResult(scenario, kernelWoken.clone(), returned, acceptCounts, failed, strays.get());
    }

    // --- the waiting threads' side

    /** epoll_wait returned events to {@code thread}; returns the connection they are for. */
    int returned(int thread) {
        busy.incrementAndGet();
        int index = current;
        if (index < 0) {
            strays.incrementAndGet();
        } else {
            returnedTo.getAndAccumulate(index, 1 << thread, (mask, bit) -> mask | bit);
        }
        lastActivity = System.nanoTime();
        return index;
    }

    void acceptSucceeded(int index, int peerPort) {
        if (index >= 0 && clientPorts[index] == peerPort) {
            accepts.incrementAndGet(index);
            accepted.release();
        } else {
            strays.incrementAndGet();
        }
    }

    void acceptFoundNothing(int index) {
        if (index >= 0) {
            failedAccepts.incrementAndGet(index);
        }
    }

    /** The thread is about to call epoll_wait (again). */
    void waiting() {
        lastActivity = System.nanoTime();
        busy.decrementAndGet();
    }

    void fail(String why) {
        if (failure == null) {
            failure = why;
        }
        accepted.release(); // wake the client now rather than at its timeout
    }
}
