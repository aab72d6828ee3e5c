package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;
import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.Linux;
import io.jring.loop.BufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * READ_FIXED (like WRITE_FIXED) honours the socket's O_NONBLOCK: with nothing to read it
 * completes with EAGAIN instead of waiting, as RECV does. The proxy example hit it under load
 * with WRITE_FIXED sends (a stream cut short with "send: EAGAIN"). The op must carry on with the
 * plain opcode, which io_uring polls, and never report the EAGAIN. Sends and receives no longer
 * take the fixed-buffer path at all: a pooled block in the registered slab still goes out as
 * SEND and is read with RECV.
 */
class FixedBufferEagainTest {
    private final BufferPool pool = new BufferPool(4096, 16);
    private final OpOwner owner = op -> {};

    @AfterEach
    void poolIsWhole() {
        assertEquals(0, pool.inUse(), "blocks not returned to the pool");
        pool.close();
    }

    @Test
    void aRegisteredBlockIsSentWithSendAndAShortSendGoesOn() {
        IoBuffer buffer = pool.acquire().write("0123456789");
        SendOp send = new SendOp(new StubOpContext(pool, true), owner, 5, buffer, 0);
        RecordingSqe sqe = new RecordingSqe();
        send.prepare(sqe);
        assertEquals(IORING_OP_SEND, sqe.opcode, "SEND, not WRITE_FIXED, though the block is registered");
        assertEquals(10, sqe.len);
        assertEquals(Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL, sqe.opFlags);
        assertEquals(Op.RESUBMIT, send.complete(4, 0)); // a short write continues where it stopped
        send.prepare(sqe);
        assertEquals(IORING_OP_SEND, sqe.opcode);
        assertEquals(6, sqe.len);
        assertEquals(4, sqe.addr - Buffers.address(buffer, buffer.readerIndex()));
        assertEquals(Op.FINISHED, send.complete(6, 0));
        assertTrue(send.isDone() && !send.isCompletedExceptionally());
    }

    @Test
    void aRegisteredBlockIsReadWithRecv() {
        IoBuffer into = pool.acquire();
        RecvIntoOp recv = new RecvIntoOp(new StubOpContext(pool, true), owner, 5, into, 0);
        RecordingSqe sqe = new RecordingSqe();
        recv.prepare(sqe);
        assertEquals(IORING_OP_RECV, sqe.opcode, "RECV, not READ_FIXED, though the block is registered");
        assertEquals(into.capacity(), sqe.len);
        assertEquals(Op.FINISHED, recv.complete(3, 0));
        assertEquals(3, recv.join());
        into.release();
    }

    @Test
    void eagainFromPlainSendIsAFailure() {
        // Plain SEND never answers EAGAIN to the ring (it polls); if it ever did, say so rather than
        // spin. A registered block too: it goes out as SEND, so there is no fixed path to fall back from.
        IoBuffer buffer = pool.acquire().write("x");
        SendOp send = new SendOp(new StubOpContext(pool, true), owner, 5, buffer, 0);
        send.prepare(new RecordingSqe());
        assertEquals(Op.FINISHED, send.complete(-Errno.EAGAIN, 0));
        assertTrue(send.isCompletedExceptionally());
    }

    private static final class RecordingSqe implements Sqe {
        int opcode = -1;
        long addr;
        int len;
        int opFlags;

        @Override public Sqe prep(int opcode, int fd, long addr, int len, long off) {
            this.opcode = opcode;
            this.addr = addr;
            this.len = len;
            this.opFlags = 0;
            return this;
        }
        @Override public Sqe opFlags(int flags) { this.opFlags = flags; return this; }
        @Override public Sqe sqeFlags(int flags) { return this; }
        @Override public Sqe ioprio(int value) { return this; }
        @Override public Sqe bufIndex(int index) { return this; }
    }
}
