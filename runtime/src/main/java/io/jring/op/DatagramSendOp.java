package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SENDMSG;
import static io.jring.bindings.SocketLayouts.IOVEC;
import static io.jring.bindings.SocketLayouts.IOV_BASE;
import static io.jring.bindings.SocketLayouts.IOV_LEN;
import static io.jring.bindings.SocketLayouts.MSGHDR;
import static io.jring.bindings.SocketLayouts.MSG_IOV;
import static io.jring.bindings.SocketLayouts.MSG_IOVLEN;
import static io.jring.bindings.SocketLayouts.MSG_NAME;
import static io.jring.bindings.SocketLayouts.MSG_NAMELEN;

import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.buffer.Buffers;
import io.jring.net.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * Sends one datagram: sendmsg of a buffer's readable bytes to {@code target} (or, with none, to
 * the connected peer). SENDMSG on io_uring, sendmsg once writable on epoll. A datagram leaves
 * whole or not at all, so there is no short write to continue. The buffer is taken at the call
 * and released when the send ends; the msghdr, iovec and address are the op's own memory.
 */
public final class DatagramSendOp extends Op<Void> {
    private static final long IOV_AT = MSGHDR.byteSize();
    private static final long NAME_AT = IOV_AT + IOVEC.byteSize();

    private final IoBuffer buffer;
    private final InetSocketAddress target;
    private final MemorySegment message;
    private final int length; // for the error message: the buffer is the kernel's until the send ends

    public DatagramSendOp(OpContext context, OpOwner owner, int fd, InetSocketAddress target, IoBuffer buffer,
                          long timeoutNanos) {
        super(context, owner, fd, timeoutNanos);
        SendOp.checkSameRuntime(context, buffer);
        if (buffer.isEndOfStream()) {
            throw new IllegalArgumentException("END_OF_STREAM is not a datagram: send an empty buffer for a 0-byte one");
        }
        this.message = Arena.ofAuto().allocate(NAME_AT + SocketAddresses.MAX_LENGTH, 8);
        int nameLength = target == null ? 0 : SocketAddresses.write(target, message.asSlice(NAME_AT));
        Buffers.takeForSend(buffer); // throws, taking nothing, if the caller does not own it
        this.buffer = buffer;
        this.target = target;
        this.length = buffer.readableBytes();
        message.set(ValueLayout.JAVA_LONG, IOV_AT + IOV_BASE, Buffers.address(buffer, buffer.readerIndex()));
        message.set(ValueLayout.JAVA_LONG, IOV_AT + IOV_LEN, buffer.readableBytes());
        if (target != null) {
            message.set(ValueLayout.JAVA_LONG, MSG_NAME, message.address() + NAME_AT);
            message.set(ValueLayout.JAVA_INT, MSG_NAMELEN, nameLength);
        }
        message.set(ValueLayout.JAVA_LONG, MSG_IOV, message.address() + IOV_AT);
        message.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
    }

    @Override
    public String name() {
        return "sendmsg";
    }

    @Override
    public Kind kind() {
        return Kind.SEND;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SENDMSG, fd, message.address(), 1, 0).opFlags(Linux.MSG_NOSIGNAL);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(message, at, size)
                || Buffers.heldByOperation(buffer) && Invariants.within(Buffers.memory(buffer), at, size);
    }

    @Override
    public int interest() {
        return Linux.EPOLLOUT;
    }

    @Override
    public long attempt() {
        return LibC.sendmsg(fd, message, Linux.MSG_NOSIGNAL);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            String call = target == null ? "sendmsg to the connected peer" : "sendmsg to " + SocketAddresses.format(target);
            int errno = (int) -res;
            return fail(errno == Errno.EMSGSIZE ? tooLarge(call, length) : new NativeIoException(call, errno));
        }
        return deliver(null);
    }

    /** EMSGSIZE with the limit and the size: the kernel's "Message too long" alone does not say what fits. */
    public static NativeIoException tooLarge(String call, long size) {
        return new NativeIoException(call, Errno.EMSGSIZE, "a UDP datagram carries at most 65,507 bytes over IPv4 (65,527 over"
                + " IPv6), this one has " + size + "; split it, or use a stream");
    }

    @Override
    protected void releaseResources() {
        Buffers.releaseAfterSend(buffer);
    }
}
