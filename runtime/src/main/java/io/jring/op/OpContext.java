package io.jring.op;

import io.jring.IoBuffer;
import io.jring.loop.BufferPool;

/** What an operation may ask of the loop that runs it, whichever driver that loop has. */
public interface OpContext {
    BufferPool pool();

    /** The provided-buffer group recv may select from, or -1 where the driver has none. */
    int providedBufferGroup();

    /** The provided buffer {@code bid} the kernel filled with {@code length} bytes, now the op's. */
    IoBuffer takeProvidedBuffer(int bid, int length);

    /** Whether registered (fixed) buffers may be used with the fixed-buffer opcodes. */
    boolean fixedBuffersRegistered();

    /**
     * Whether this loop's ring runs {@code opcode} (io_uring, minus {@code -Djring.probe.hideOps});
     * false on epoll. File ops and sendFile pick their form by it.
     */
    default boolean ringSupports(int opcode) {
        return false;
    }

    /** Whether the kernel takes multishot accept (io_uring, 5.19+). */
    boolean multishotAccept();

    /**
     * Whether recv may run as one multishot recv per connection (io_uring 6.0+ with a
     * provided-buffer ring), until the kernel refuses it once.
     */
    boolean multishotRecv();

    /** A recv found the provided-buffer ring empty (ENOBUFS); counted for stats and JFR. */
    default void providedBuffersRanOut() {}

    /**
     * A zero-copy send's notification came for bytes the kernel sent; {@code copied}: it reports
     * it copied them after all (loopback, veth). Counted for stats and JFR.
     */
    default void zeroCopySent(boolean copied) {}

    /** The kernel refused a multishot recv (EINVAL: older than 6.0): single-shot from now on. */
    void multishotRecvRefused();

    /**
     * The loop's pool of datagram buffers (each holds the largest UDP datagram), made at the
     * first call; throws {@link io.jring.BufferPoolExhaustedException} if the cap refuses it.
     */
    default BufferPool datagramPool() {
        throw new UnsupportedOperationException("no datagram pool here");
    }

    /** The provided-buffer group of datagram buffers for multishot recvmsg, or -1 (see {@code Driver}). */
    default int datagramBufferGroup() {
        return -1;
    }

    /** The datagram buffer {@code bid} the kernel filled, now the op's. */
    default IoBuffer takeDatagramBuffer(int bid) {
        throw new UnsupportedOperationException("no datagram buffer ring here");
    }

    /** Whether recvmsg may be queued to the kernel (io_uring RECVMSG, not hidden). */
    default boolean recvmsgInRing() {
        return false;
    }

    /** The kernel refused a multishot recvmsg (EINVAL: older than 6.0): one recvmsg per receive from now on. */
    default void multishotRecvmsgRefused() {}

    /** Turns an accepted or connected TCP socket into a connection owned by this loop. */
    default io.jring.Connection adopt(int fd) {
        return adopt(fd, false);
    }

    /**
     * Turns an accepted or connected stream socket into a connection owned by this loop;
     * {@code unixDomain}: it is AF_UNIX (no TCP_NODELAY, TCP options refused).
     */
    io.jring.Connection adopt(int fd, boolean unixDomain);

    /**
     * Tells the loop's driver that the caller is about to close {@code fd} ({@link
     * io.jring.spi.Driver#closing}). Does nothing off the loop thread, which only happens once
     * the loop has stopped and its driver is closed.
     */
    void closingDescriptor(int fd);

    /** Whether the calling thread is this loop's thread (the one that completes its ops). */
    boolean inLoop();

    /** Asks the loop (from any thread) to cancel the op in the kernel; its end arrives as usual. */
    void requestCancel(Op<?> op);

    /** {@code op} has ended (the kernel holds nothing of it): the loop stops watching its deadline. */
    default void opEnded(Op<?> op) {}
}
