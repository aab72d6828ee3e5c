package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_CQE_BUFFER_SHIFT;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_BUFFER;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_MORE;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECVMSG;
import static io.jring.bindings.IoUringConstants.IORING_RECV_MULTISHOT;
import static io.jring.bindings.IoUringConstants.IOSQE_BUFFER_SELECT;
import static io.jring.bindings.SocketLayouts.MSGHDR;
import static io.jring.bindings.SocketLayouts.MSG_NAMELEN;

import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.bindings.IoUringAbi;
import io.jring.bindings.Linux;
import io.jring.buffer.Buffers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One multishot recvmsg (io_uring 6.0+) armed for a datagram endpoint: one SQE, then a CQE per
 * datagram, each in a buffer the kernel picks from the loop's datagram ring only when a datagram
 * is there. Each buffer starts with {@code io_uring_recvmsg_out}, then the sender's address, then
 * the payload ({@link DatagramBlocks}); the msghdr submitted says only how much room the name
 * gets. Results go to the endpoint's {@link DatagramSink}; nobody waits on this op's own future.
 * It has no readiness form: on epoll each receive is one recvmsg.
 */
public final class RecvmsgStreamOp extends Op<Void> {
    private final DatagramSink sink;
    private final int group;
    /** The msghdr template: only msg_namelen is set (no iovec: the kernel's buffer is the iovec). */
    private final MemorySegment message;

    public RecvmsgStreamOp(OpContext context, OpOwner owner, int fd, DatagramSink sink, int group) {
        super(context, owner, fd, 0);
        this.sink = sink;
        this.group = group;
        this.message = Arena.ofAuto().allocate(MSGHDR);
        message.set(ValueLayout.JAVA_INT, MSG_NAMELEN, DatagramBlocks.NAME_LENGTH);
    }

    @Override
    public String name() {
        return "recvmsg";
    }

    @Override
    public Kind kind() {
        return Kind.RECEIVE;
    }

    @Override
    public int bufferGroup() {
        return group;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_RECVMSG, fd, message.address(), 1, 0)
                .opFlags(Linux.MSG_TRUNC)
                .ioprio(IORING_RECV_MULTISHOT)
                .sqeFlags(IOSQE_BUFFER_SELECT)
                .bufIndex(group);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(message, at, size);
    }

    @Override
    public int interest() {
        throw new UnsupportedOperationException("multishot recvmsg runs on io_uring only");
    }

    @Override
    public long attempt() {
        throw new UnsupportedOperationException("multishot recvmsg runs on io_uring only");
    }

    @Override
    public int complete(long res, int flags) {
        if (res >= 0 && (flags & IORING_CQE_F_BUFFER) != 0) {
            sink.received(datagramIn(context.takeDatagramBuffer(flags >>> IORING_CQE_BUFFER_SHIFT), (int) res));
            // Without MORE the kernel has stopped (its CQ overflowed, say): the endpoint re-arms.
            return (flags & IORING_CQE_F_MORE) != 0 ? STILL_ARMED : deliver(null);
        }
        if (res == -Errno.ENOBUFS) {
            sink.outOfBuffers();
        } else if (res == -Errno.EINVAL) {
            context.multishotRecvmsgRefused(); // before 6.0 the flag is unknown: nothing was read
        } else {
            sink.ended(res);
        }
        return deliver(null);
    }

    /** Reads the kernel's header: how long the payload was, and whether it was cut ({@code MSG_TRUNC}). */
    private static io.jring.Datagram datagramIn(IoBuffer block, int used) {
        MemorySegment memory = Buffers.memory(block);
        int payloadLength = memory.get(ValueLayout.JAVA_INT, IoUringAbi.RECVMSG_OUT_PAYLOADLEN);
        int outFlags = memory.get(ValueLayout.JAVA_INT, IoUringAbi.RECVMSG_OUT_FLAGS);
        int present = Math.max(0, used - DatagramBlocks.PAYLOAD_OFFSET);
        int length = Math.min(payloadLength, present);
        boolean truncated = (outFlags & Linux.MSG_TRUNC) != 0 || payloadLength > present;
        return DatagramBlocks.datagram(block, length,
                memory.asSlice(DatagramBlocks.NAME_OFFSET, DatagramBlocks.NAME_LENGTH), truncated);
    }
}
