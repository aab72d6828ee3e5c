package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static io.jring.bindings.IoUringConstants.IORING_OP_POLL_ADD;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECVMSG;
import static io.jring.bindings.SocketLayouts.IOVEC;
import static io.jring.bindings.SocketLayouts.IOV_BASE;
import static io.jring.bindings.SocketLayouts.IOV_LEN;
import static io.jring.bindings.SocketLayouts.MSGHDR;
import static io.jring.bindings.SocketLayouts.MSG_FLAGS;
import static io.jring.bindings.SocketLayouts.MSG_IOV;
import static io.jring.bindings.SocketLayouts.MSG_IOVLEN;
import static io.jring.bindings.SocketLayouts.MSG_NAME;
import static io.jring.bindings.SocketLayouts.MSG_NAMELEN;

import io.jring.BufferPoolExhaustedException;
import io.jring.Datagram;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.buffer.Buffers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A user's datagram receive, one recvmsg into a block of the loop's datagram pool (big enough
 * for any UDP datagram). It runs itself when the endpoint has no multishot recvmsg: on epoll
 * (readiness, then recvmsg), on io_uring as one RECVMSG, and on io_uring with RECVMSG hidden as
 * a POLL_ADD followed by a non-blocking recvmsg on the loop thread. With a multishot recvmsg
 * armed, the endpoint completes it instead ({@link #takeFrom}) and it never reaches a driver.
 *
 * <p>The msghdr, iovec and sender address live in memory of the op's own, alive until its last
 * completion; the block is lent to the kernel meanwhile. {@code MSG_TRUNC} makes the result the
 * datagram's real length, so a datagram bigger than the block is reported as truncated.
 */
public final class DatagramRecvOp extends Op<Datagram> {
    private static final long IOV_AT = MSGHDR.byteSize();
    private static final long NAME_AT = IOV_AT + IOVEC.byteSize();

    private final DatagramSink sink;
    private final MemorySegment message;
    private IoBuffer held;
    /** io_uring with RECVMSG hidden: the SQE in the kernel is the POLL_ADD, not the read. */
    private boolean polling;
    private BufferPoolExhaustedException refused;

    public DatagramRecvOp(OpContext context, OpOwner owner, int fd, DatagramSink sink, long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        this.sink = sink;
        this.message = Arena.ofAuto().allocate(NAME_AT + DatagramBlocks.NAME_LENGTH, 8);
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
    public void prepare(Sqe sqe) {
        if (!holdBuffer()) {
            sqe.prep(IORING_OP_NOP, -1, 0, 0, 0); // completes at once, and complete() fails the op
        } else if (context.recvmsgInRing()) {
            polling = false;
            sqe.prep(IORING_OP_RECVMSG, fd, buildMessage().address(), 1, 0).opFlags(Linux.MSG_TRUNC);
        } else {
            polling = true; // POLLIN has EPOLLIN's value; poll32_events shares the op-flags word
            sqe.prep(IORING_OP_POLL_ADD, fd, 0, 0, 0).opFlags(Linux.EPOLLIN);
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(message, at, size)
                || held != null && Buffers.heldByOperation(held) && Invariants.within(Buffers.memory(held), at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLIN;
    }

    @Override
    public long attempt() {
        if (!holdBuffer()) {
            return -Errno.ENOBUFS; // complete() fails the op with the pool's own exception
        }
        long res = LibC.recvmsg(fd, buildMessage(), Linux.MSG_TRUNC);
        if (res == -Errno.EAGAIN) {
            releaseResources(); // an idle endpoint holds no 68 KiB block while it waits
        }
        return res;
    }

    @Override
    public int complete(long res, int flags) {
        if (refused != null) {
            return fail(refused);
        }
        if (polling) {
            polling = false;
            if (res < 0) {
                return fail(new NativeIoException("io_uring poll (recvmsg)", (int) -res));
            }
            res = attempt(); // readable: read it here, without blocking
            if (res == -Errno.EAGAIN) {
                return RESUBMIT; // another reader was faster, or the datagram was dropped: poll again
            }
        }
        if (res < 0) {
            return fail(res);
        }
        IoBuffer block = held;
        held = null;
        Buffers.giveBack(block);
        int capacity = DatagramBlocks.payloadCapacity(block.capacity());
        int length = (int) Math.min(res, capacity);
        boolean truncated = res > capacity || (message.get(ValueLayout.JAVA_INT, MSG_FLAGS) & Linux.MSG_TRUNC) != 0;
        return deliver(DatagramBlocks.datagram(block, length, message.asSlice(NAME_AT, DatagramBlocks.NAME_LENGTH),
                truncated));
    }

    /**
     * Completes this receive with a datagram the endpoint's multishot recvmsg received; false if
     * the user cancelled it meanwhile (the caller still owns the datagram).
     */
    public boolean takeFrom(Datagram datagram) {
        return completeIfWaiting(datagram);
    }

    /** The user cancelled as the datagram came: it goes to the next receive, not to waste. */
    @Override
    protected void discard(Datagram datagram) {
        sink.keep(datagram);
    }

    @Override
    protected void releaseResources() {
        if (held != null) {
            Buffers.giveBack(held);
            held.release();
            held = null;
        }
    }

    /** msghdr, then the iovec over the block's payload area, then room for the sender's address. */
    private MemorySegment buildMessage() {
        message.fill((byte) 0);
        long payload = Buffers.address(held, DatagramBlocks.PAYLOAD_OFFSET);
        message.set(ValueLayout.JAVA_LONG, IOV_AT + IOV_BASE, payload);
        message.set(ValueLayout.JAVA_LONG, IOV_AT + IOV_LEN, DatagramBlocks.payloadCapacity(held.capacity()));
        message.set(ValueLayout.JAVA_LONG, MSG_NAME, message.address() + NAME_AT);
        message.set(ValueLayout.JAVA_INT, MSG_NAMELEN, DatagramBlocks.NAME_LENGTH);
        message.set(ValueLayout.JAVA_LONG, MSG_IOV, message.address() + IOV_AT);
        message.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
        return message;
    }

    /** Takes the block to read into, unless held already; false (and {@link #refused} set) at the cap. */
    private boolean holdBuffer() {
        if (held == null) {
            try {
                held = context.datagramPool().acquire();
            } catch (BufferPoolExhaustedException e) {
                refused = e;
                return false;
            }
            Buffers.lend(held);
        }
        return true;
    }
}
