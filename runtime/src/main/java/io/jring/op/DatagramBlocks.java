package io.jring.op;

import io.jring.Datagram;
import io.jring.IoBuffer;
import io.jring.bindings.IoUringAbi;
import io.jring.bindings.SocketLayouts;
import io.jring.buffer.Buffers;
import io.jring.net.SocketAddresses;
import java.lang.foreign.MemorySegment;

/**
 * Where things sit in a datagram block. A multishot recvmsg writes {@code io_uring_recvmsg_out},
 * then the sender's address ({@code msg_namelen} bytes: room for a {@code sockaddr_in6}), then
 * the payload; a single recvmsg reads its payload to the same offset, so a received
 * {@link Datagram}'s buffer looks the same whichever way it came.
 */
final class DatagramBlocks {
    /** The name area: a sockaddr_in6 holds either family's address. */
    static final int NAME_LENGTH = (int) SocketLayouts.SOCKADDR_IN6.byteSize();
    static final int NAME_OFFSET = (int) IoUringAbi.RECVMSG_OUT.byteSize();
    static final int PAYLOAD_OFFSET = NAME_OFFSET + NAME_LENGTH;

    private DatagramBlocks() {}

    /** Payload bytes a block of {@code blockSize} holds. */
    static int payloadCapacity(int blockSize) {
        return blockSize - PAYLOAD_OFFSET;
    }

    /** {@code block} holds {@code length} payload bytes at {@link #PAYLOAD_OFFSET}: the user's datagram. */
    static Datagram datagram(IoBuffer block, int length, MemorySegment name, boolean truncated) {
        Buffers.setWriterIndex(block, PAYLOAD_OFFSET + length);
        block.readerIndex(PAYLOAD_OFFSET);
        return new Datagram(block, SocketAddresses.read(name), truncated);
    }
}
