package io.jring.op;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.loop.BufferPool;

/**
 * A loop for testing an op on its own: a pool (or none), registered as fixed buffer 0 or not,
 * no provided buffers, no multishot, and cancels and descriptors that go nowhere.
 */
public class StubOpContext implements OpContext {
    private final BufferPool pool;
    private final boolean registered;

    public StubOpContext(BufferPool pool, boolean registered) {
        this.pool = pool;
        this.registered = registered;
        if (registered) {
            pool.markRegistered(0);
        }
    }

    @Override public BufferPool pool() { return pool; }
    @Override public int providedBufferGroup() { return -1; }
    @Override public IoBuffer takeProvidedBuffer(int bid, int length) { throw new AssertionError("no provided buffers"); }
    @Override public boolean fixedBuffersRegistered() { return registered; }
    @Override public boolean multishotAccept() { return false; }
    @Override public boolean multishotRecv() { return false; }
    @Override public void multishotRecvRefused() {}
    @Override public Connection adopt(int fd, boolean unixDomain) { throw new AssertionError("nothing to adopt"); }
    @Override public void closingDescriptor(int fd) {}
    @Override public void requestCancel(Op<?> op) {}
    @Override public boolean inLoop() { return false; }
}
