package io.jring.examples.http;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real pooled IoBuffers of 64 bytes, from a one-loop runtime, through the public API only (a
 * connection to itself hands out {@link Connection#allocate()}). Small blocks put block
 * boundaries everywhere in a request; the pool count catches a block never given back.
 */
final class TinyBlocks implements AutoCloseable {
    static final int SIZE = 64;

    private final IoRuntime runtime;
    private final Connection connection;

    TinyBlocks() throws Exception {
        runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBuffers(SIZE, 256, 16));
        Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        var accepted = listener.accept();
        connection = runtime.connect(listener.localAddress()).get(10, TimeUnit.SECONDS);
        accepted.get(10, TimeUnit.SECONDS).close();
        listener.close().get(10, TimeUnit.SECONDS);
    }

    IoBuffer allocate() {
        return connection.allocate();
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
        return runtime.buffersInUse();
    }

    @Override
    public void close() {
        connection.close().orTimeout(10, TimeUnit.SECONDS).join();
        runtime.close();
    }
}
