package io.jring.loop;

import java.util.ArrayList;
import java.util.List;

/**
 * Frees the buffer pools of a runtime's loops once all of them have stopped, not each when its
 * own loop stops: a block of one loop's pool may be in the kernel on another loop's socket (a
 * proxy sends on one connection what it received on another), and only that loop knows when
 * the kernel is done with it.
 */
public final class PoolReclaim {
    private final List<BufferPool> stoppedPools = new ArrayList<>();
    private int running;

    public PoolReclaim(int loops) {
        this.running = loops;
    }

    /** Another pool of a loop that is stopping (its datagram pool), freed with the rest. */
    synchronized void alsoFree(BufferPool pool) {
        stoppedPools.add(pool);
    }

    /** A loop stopped; {@code pool} is null when it must stay allocated (the loop crashed). */
    synchronized void loopStopped(BufferPool pool) {
        if (pool != null) {
            stoppedPools.add(pool);
        }
        if (--running == 0) {
            stoppedPools.forEach(BufferPool::close);
            stoppedPools.clear();
        }
    }
}
