package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_READ_FIXED;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;
import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;
import static io.jring.bindings.IoUringConstants.IORING_OP_WRITE_FIXED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.loop.BufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WRITE_FIXED (and possibly READ_FIXED) honours the socket's O_NONBLOCK: with a full send
 * buffer it completes with EAGAIN instead of waiting, as SEND does. The proxy example hit it
 * under load (a stream cut short with "send: EAGAIN"). The op must carry on with the plain
 * opcode, which io_uring polls, and never report the EAGAIN.
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
    void sendGoesOnWithSendAfterWriteFixedAnswersEagain() {
        IoBuffer buffer = pool.acquire().write("0123456789");
        SendOp send = new SendOp(new StubOpContext(pool, true), owner, 5, buffer, 0);
        RecordingSqe sqe = new RecordingSqe();
        send.prepare(sqe);
        assertEquals(IORING_OP_WRITE_FIXED, sqe.opcode);
        assertEquals(Op.RESUBMIT, send.complete(-Errno.EAGAIN, 0));
        send.prepare(sqe);
        assertEquals(IORING_OP_SEND, sqe.opcode);
        assertEquals(10, sqe.len);
        assertEquals(Op.RESUBMIT, send.complete(4, 0)); // a short write continues where it stopped
        send.prepare(sqe);
        assertEquals(IORING_OP_SEND, sqe.opcode);
        assertEquals(6, sqe.len);
        assertEquals(Op.FINISHED, send.complete(6, 0));
        assertTrue(send.isDone() && !send.isCompletedExceptionally());
    }

    @Test
    void recvIntoGoesOnWithRecvAfterReadFixedAnswersEagain() {
        IoBuffer into = pool.acquire();
        RecvIntoOp recv = new RecvIntoOp(new StubOpContext(pool, true), owner, 5, into, 0);
        RecordingSqe sqe = new RecordingSqe();
        recv.prepare(sqe);
        assertEquals(IORING_OP_READ_FIXED, sqe.opcode);
        assertEquals(Op.RESUBMIT, recv.complete(-Errno.EAGAIN, 0));
        recv.prepare(sqe);
        assertEquals(IORING_OP_RECV, sqe.opcode);
        assertEquals(Op.FINISHED, recv.complete(3, 0));
        assertEquals(3, recv.join());
        into.release();
    }

    @Test
    void eagainFromPlainSendIsAFailure() {
        // Plain SEND never answers EAGAIN to the ring (it polls); if it ever did, say so rather than spin.
        IoBuffer buffer = pool.acquire().write("x");
        SendOp send = new SendOp(new StubOpContext(pool, false), owner, 5, buffer, 0);
        send.prepare(new RecordingSqe());
        assertEquals(Op.FINISHED, send.complete(-Errno.EAGAIN, 0));
        assertTrue(send.isCompletedExceptionally());
    }

    private static final class RecordingSqe implements Sqe {
        int opcode = -1;
        int len;

        @Override public Sqe prep(int opcode, int fd, long addr, int len, long off) {
            this.opcode = opcode;
            this.len = len;
            return this;
        }
        @Override public Sqe opFlags(int flags) { return this; }
        @Override public Sqe sqeFlags(int flags) { return this; }
        @Override public Sqe ioprio(int value) { return this; }
        @Override public Sqe bufIndex(int index) { return this; }
    }
}
