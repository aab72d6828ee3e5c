package io.jring.loop;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The native memory all of one runtime's buffer pools may map, shared by its loops: one
 * connection's data may sit in any loop's pool (a proxy sends on one loop what it received on
 * another), so the cap is the runtime's, not a loop's.
 */
public final class BufferMemory {
    private final long max;
    private final AtomicLong mapped = new AtomicLong();

    public BufferMemory(long max) {
        this.max = max;
    }

    /** No cap: for pools made on their own (tests, tools). */
    public static BufferMemory unlimited() {
        return new BufferMemory(Long.MAX_VALUE);
    }

    /** Counts {@code bytes} if they fit under the cap; false (and nothing counted) if not. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = mapped.get();
            if (now + bytes > max || now + bytes < 0) {
                return false;
            }
            if (mapped.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Counts memory that must exist whatever the cap: a loop's first slab, or bytes already received. */
    void reserveAnyway(long bytes) {
        mapped.addAndGet(bytes);
    }

    void release(long bytes) {
        mapped.addAndGet(-bytes);
    }

    public long max() {
        return max;
    }

    /** Bytes mapped for buffers right now, over every pool of the runtime. */
    public long mapped() {
        return mapped.get();
    }
}
