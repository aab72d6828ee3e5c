package io.jring.op;

import static io.jring.bindings.SocketLayouts.IOVEC;
import static io.jring.bindings.SocketLayouts.IOV_BASE;
import static io.jring.bindings.SocketLayouts.IOV_LEN;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The buffers of a vectored file call and the iovec array that describes them, kept in one pooled
 * scratch block the op holds until its last completion (so the kernel, or a blocking-pool thread,
 * reads iovecs the runtime owns). Addresses and lengths are fixed when the op is made: a pool
 * thread reads these arrays, never the buffers' indexes.
 */
final class FileVector {
    /** How many iovecs one scratch block holds; also the kernel's IOV_MAX (1024). */
    static int maxBuffers(int blockSize) {
        return (int) Math.min(1024, blockSize / IOVEC.byteSize());
    }

    final IoBuffer[] buffers;
    final long[] addresses;
    final int[] lengths;
    final long total;
    private final IoBuffer scratch;

    /** {@code writable}: describe each buffer's room after its writer index (a read) or its readable bytes (a write). */
    FileVector(OpContext context, String call, IoBuffer[] buffers, boolean writable) {
        int max = maxBuffers(context.pool().blockSize());
        if (buffers.length == 0 || buffers.length > max) {
            throw new IllegalArgumentException(call + " takes 1 to " + max + " buffers, got " + buffers.length);
        }
        this.buffers = buffers.clone(); // the caller's array may change under a pool thread
        this.addresses = new long[buffers.length];
        this.lengths = new int[buffers.length];
        long sum = 0;
        for (int i = 0; i < buffers.length; i++) {
            IoBuffer b = this.buffers[i];
            SendOp.checkSameRuntime(context, b);
            if (writable && (b.isEndOfStream() || b.writableBytes() == 0)) {
                throw new IllegalArgumentException(call + " needs buffers with writable space, buffer " + i + " is " + b);
            }
            addresses[i] = Buffers.address(b, writable ? b.writerIndex() : b.readerIndex());
            lengths[i] = writable ? b.writableBytes() : b.readableBytes();
            sum += lengths[i];
        }
        this.total = sum;
        this.scratch = context.pool().acquire();
        Buffers.lend(scratch);
    }

    /** Writes the iovecs covering everything past the first {@code skip} bytes; returns how many. */
    int describeFrom(long skip) {
        MemorySegment block = Buffers.memory(scratch);
        int count = 0;
        for (int i = 0; i < addresses.length; i++) {
            if (skip >= lengths[i]) {
                skip -= lengths[i];
                continue;
            }
            long at = count * IOVEC.byteSize();
            block.set(ValueLayout.JAVA_LONG, at + IOV_BASE, addresses[i] + skip);
            block.set(ValueLayout.JAVA_LONG, at + IOV_LEN, lengths[i] - skip);
            skip = 0;
            count++;
        }
        return count;
    }

    MemorySegment iovecs() {
        return Buffers.memory(scratch);
    }

    boolean holdsIovecs(long at, long size) {
        return Buffers.heldByOperation(scratch) && Invariants.within(Buffers.memory(scratch), at, size);
    }

    boolean holdsBuffers() {
        for (IoBuffer b : buffers) {
            if (!Buffers.heldByOperation(b)) {
                return false;
            }
        }
        return true;
    }

    /** The scratch block goes back to the pool. Once, at the op's end. */
    void releaseScratch() {
        Buffers.giveBack(scratch);
        scratch.release();
    }
}
