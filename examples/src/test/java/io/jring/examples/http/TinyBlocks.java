package io.jring.examples.http;

import io.jring.IoBuffer;
import io.jring.loop.BufferPool;
import java.util.ArrayList;
import java.util.List;

/**
 * Real pooled IoBuffers of 64 bytes. The runtime's own pools take 4 KiB blocks at least, so this
 * uses the runtime's {@link BufferPool} directly: small blocks put block boundaries everywhere in
 * a request, and the pool count catches a block never given back.
 */
final class TinyBlocks implements AutoCloseable {
    static final int SIZE = 64;

    private final BufferPool pool = new BufferPool(SIZE, 256);

    IoBuffer allocate() {
        return pool.acquire();
    }

    /** A block holding {@code bytes[from, to)} (at most {@link #SIZE} bytes). */
    IoBuffer block(byte[] bytes, int from, int to) {
        return allocate().write(bytes, from, to - from);
    }

    /** {@code bytes} cut at {@code cuts} (ascending offsets), each piece further cut to block size. */
    List<IoBuffer> pieces(byte[] bytes, int... cuts) {
        List<IoBuffer> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int end = i < cuts.length ? cuts[i] : bytes.length;
            for (int at = from; at < end; at += SIZE) {
                out.add(block(bytes, at, Math.min(end, at + SIZE)));
            }
            from = end;
        }
        return out;
    }

    /** Blocks out of the pool right now. */
    int inUse() {
        return pool.inUse();
    }

    @Override
    public void close() {
        pool.close();
    }
}
