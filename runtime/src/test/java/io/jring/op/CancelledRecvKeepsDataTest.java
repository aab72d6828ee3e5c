package io.jring.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoBuffer;
import io.jring.loop.BufferPool;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The narrow race the contract suite cannot force on a kernel with DEFER_TASKRUN (where a
 * cancel always reaches the kernel before the data): the user cancels a recv just as the
 * kernel fills it. The op must hand the bytes to its owner for the next recv, not drop them.
 */
class CancelledRecvKeepsDataTest {
    private final BufferPool pool = new BufferPool(4096, 16);
    private final List<IoBuffer> kept = new ArrayList<>();
    private final OpOwner owner = new OpOwner() {
        @Override
        public void opFinished(Op<?> op) {}

        @Override
        public void keepUnclaimed(IoBuffer data) {
            kept.add(data);
        }
    };

    @AfterEach
    void poolIsWhole() {
        kept.forEach(IoBuffer::release);
        assertEquals(0, pool.inUse(), "blocks not returned to the pool");
        pool.close();
    }

    @Test
    void pooledRecvCancelledAsDataCameGivesTheBufferToItsOwner() {
        RecvOp recv = new RecvOp(new StubOpContext(pool, false), owner, -1, 0);
        recv.prepare(new IgnoredSqe()); // no provided buffers: the op takes a block now
        assertTrue(recv.cancel(true));
        assertEquals(Op.FINISHED, recv.complete(5, 0));
        assertEquals(1, kept.size());
        assertEquals(5, kept.getFirst().readableBytes());
    }

    @Test
    void recvIntoCancelledAsDataCameCopiesTheBytesOutAndLeavesTheCallersBufferAlone() {
        IoBuffer into = pool.acquire();
        into.write("head:");
        RecvIntoOp recv = new RecvIntoOp(new StubOpContext(pool, false), owner, -1, into, 0);
        MemorySegment.copy("data!".getBytes(StandardCharsets.UTF_8), 0, io.jring.buffer.Buffers.memory(into),
                java.lang.foreign.ValueLayout.JAVA_BYTE, into.writerIndex(), 5); // as the kernel would
        assertTrue(recv.cancel(true));
        assertEquals(Op.FINISHED, recv.complete(5, 0));
        assertEquals("head:", into.toString(StandardCharsets.UTF_8), "the cancelled recv moved the caller's index");
        assertEquals(1, kept.size());
        assertEquals("data!", kept.getFirst().toString(StandardCharsets.UTF_8));
        into.release(); // would throw if the op had not given it back
    }

    @Test
    void recvCompletedNormallyKeepsNothing() {
        RecvOp recv = new RecvOp(new StubOpContext(pool, false), owner, -1, 0);
        recv.prepare(new IgnoredSqe());
        recv.complete(3, 0);
        IoBuffer got = recv.join();
        assertEquals(3, got.readableBytes());
        assertTrue(kept.isEmpty());
        got.release();
    }

    private static final class IgnoredSqe implements Sqe {
        @Override public Sqe prep(int opcode, int fd, long addr, int len, long off) { return this; }
        @Override public Sqe opFlags(int flags) { return this; }
        @Override public Sqe sqeFlags(int flags) { return this; }
        @Override public Sqe ioprio(int value) { return this; }
        @Override public Sqe bufIndex(int index) { return this; }
    }
}
