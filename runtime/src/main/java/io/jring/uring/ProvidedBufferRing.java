package io.jring.uring;

import static io.jring.bindings.IoUringAbi.BUF_ADDR;
import static io.jring.bindings.IoUringAbi.BUF_BID;
import static io.jring.bindings.IoUringAbi.BUF_LEN;
import static io.jring.bindings.IoUringAbi.BUF_RING_TAIL;
import static io.jring.bindings.IoUringAbi.BUF_SIZE;

import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.bindings.IoUringAbi;
import io.jring.bindings.LibUring;
import io.jring.loop.BufferPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.BitSet;

/**
 * A provided-buffer ring (kernel 5.19+): pool blocks lent to the kernel, which picks one only
 * when a {@code IOSQE_BUFFER_SELECT} recv has data for it. So a thousand idle connections
 * waiting in recv hold no memory at all. Buffer ids are pool block indexes.
 */
final class ProvidedBufferRing {
    /** The stream pool's group, for recv. */
    static final int GROUP = 0;
    /** The datagram pool's group, for multishot recvmsg: buffers big enough for any UDP datagram. */
    static final int DATAGRAM_GROUP = 1;
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();

    private final MemorySegment ringStruct;
    private final MemorySegment slots;
    private final BufferPool pool;
    private final int entries;
    private final int group;
    private final BitSet lent = new BitSet();
    private int tail;
    private int held;

    private ProvidedBufferRing(MemorySegment ringStruct, MemorySegment slots, BufferPool pool, int entries, int group) {
        this.group = group;
        this.ringStruct = ringStruct;
        this.slots = slots;
        this.pool = pool;
        this.entries = entries;
    }

    /** Registers a ring of {@code entries} slots; returns null with {@code why[0]} set if the kernel refuses. */
    static ProvidedBufferRing register(Arena arena, MemorySegment ring, BufferPool pool, int entries, String[] why) {
        return register(arena, ring, pool, entries, why, GROUP);
    }

    /** The same, for group {@code group}. */
    static ProvidedBufferRing register(Arena arena, MemorySegment ring, BufferPool pool, int entries, String[] why,
                                       int group) {
        MemorySegment slots = arena.allocate(BUF_SIZE * entries, 4096);
        MemorySegment reg = arena.allocate(IoUringAbi.BUF_REG);
        reg.set(ValueLayout.JAVA_LONG, IoUringAbi.BUF_REG_RING_ADDR, slots.address());
        reg.set(ValueLayout.JAVA_INT, IoUringAbi.BUF_REG_RING_ENTRIES, entries);
        reg.set(ValueLayout.JAVA_SHORT, IoUringAbi.BUF_REG_BGID, (short) group);
        int res = LibUring.registerBufRing(ring, reg, 0);
        if (res < 0) {
            why[0] = "io_uring_register_buf_ring: " + Errno.name(res);
            return null;
        }
        ProvidedBufferRing r = new ProvidedBufferRing(ring, slots, pool, entries, group);
        r.refill();
        return r;
    }

    /** Tops the ring up from the pool's free blocks; cheap when it is full. */
    void refill() {
        if (held == entries) {
            return;
        }
        int added = 0;
        while (held < entries) {
            int block = pool.takeBlockIndex();
            if (block < 0) {
                break;
            }
            if (block > 0xFFFF) { // buffer ids are 16 bits
                pool.recycle(block);
                break;
            }
            long slot = (long) (tail & (entries - 1)) * BUF_SIZE;
            slots.set(ValueLayout.JAVA_LONG, slot + BUF_ADDR, pool.block(block).address());
            slots.set(ValueLayout.JAVA_INT, slot + BUF_LEN, pool.blockSize());
            slots.set(ValueLayout.JAVA_SHORT, slot + BUF_BID, (short) block);
            tail++;
            held++;
            added++;
            lent.set(block);
        }
        if (added > 0) {
            // Release: the kernel must see the slots written before it sees the new tail.
            SHORT.setRelease(slots, BUF_RING_TAIL, (short) tail);
        }
    }

    /** The kernel filled buffer {@code bid}: it is the receiver's now. */
    IoBuffer take(int bid, int length) {
        if (!lent.get(bid)) {
            // Taking it again would hand one block to two owners: stop here, loudly.
            throw new IllegalStateException("provided buffer " + bid + " taken twice: the kernel returned a buffer"
                    + " id the ring does not lend (a CQE seen twice?)");
        }
        lent.clear(bid);
        held--;
        return pool.wrap(bid, length);
    }

    /** Returns buffer {@code bid} to the pool unless someone took it already (a CQE whose op failed). */
    void giveBackIfLent(int bid) {
        if (lent.get(bid)) {
            take(bid, 0).release();
        }
    }

    int held() {
        return held;
    }

    /** Unregisters and gives every block still lent back to the pool (no recv may be in flight). */
    void close() {
        LibUring.unregisterBufRing(ringStruct, group);
        for (int bid = lent.nextSetBit(0); bid >= 0; bid = lent.nextSetBit(bid + 1)) {
            pool.recycle(bid);
        }
        lent.clear();
        held = 0;
    }
}
