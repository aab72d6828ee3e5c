package io.jring.spi;

import io.jring.Backend;
import io.jring.IoBuffer;
import io.jring.loop.BufferPool;
import io.jring.op.Op;

/**
 * One loop's kernel interface: the io_uring proactor or the epoll reactor. A driver is used
 * only from its loop's thread, except {@link #wakeup()}. Operations know nothing of drivers;
 * a driver runs an op's completion form or its readiness form and hands results back through
 * {@link Op#complete}, {@link Op#aborted} and, exactly once at the very end, {@link Op#finished}.
 */
public interface Driver {
    Backend backend();

    /** Starts an operation (loop thread). */
    void submit(Op<?> op);

    /**
     * Cancels an operation this driver is running (loop thread). Its end still arrives through
     * the usual path, once the kernel confirms. Returns false if the op is not running here.
     */
    boolean cancel(Op<?> op);

    /**
     * Pushes submissions to the kernel and dispatches every result that is ready. Unless
     * {@code waitNanos} is 0, first waits until there is at least one result or a {@link
     * #wakeup()}: with no limit when it is negative, else for at most that long (the loop's
     * next timer).
     */
    void poll(long waitNanos);

    /** Interrupts a blocked {@link #poll} from any thread. */
    void wakeup();

    /**
     * The runtime is about to close descriptor {@code fd}, which this loop used (loop thread).
     * Called right before the {@code close}, once every op on the descriptor has ended (a
     * connect that failed closes its socket from inside its own completion, so that op may
     * still be on its way out), and never again for that descriptor. The driver forgets what
     * it knows about the number: the kernel may hand it out again, as another socket, as soon
     * as it is closed. A listening socket shared by several loops is announced to each loop's
     * driver when that loop is done with it, which may be well before the last loop closes it.
     */
    default void closing(int fd) {}

    /** Operations submitted and not yet finished. */
    int inFlight();

    /** The provided-buffer group for recv, or -1 when the driver has none. */
    default int providedBufferGroup() {
        return -1;
    }

    /** Takes provided buffer {@code bid}, filled by the kernel with {@code length} bytes. */
    default IoBuffer takeProvidedBuffer(int bid, int length) {
        throw new UnsupportedOperationException("no provided buffers in " + backend());
    }

    /**
     * The provided-buffer group multishot recvmsg selects datagram buffers from, lending the
     * first blocks of {@code datagramPool} to the kernel at the first call (loop thread); -1 when
     * datagrams are received one recvmsg at a time (epoll, no provided-buffer rings, multishot
     * recv turned off, RECVMSG hidden, or the kernel refused the ring).
     */
    default int datagramBufferGroup(BufferPool datagramPool) {
        return -1;
    }

    /** Takes datagram buffer {@code bid}, which the kernel filled (header, name and payload). */
    default IoBuffer takeDatagramBuffer(int bid) {
        throw new UnsupportedOperationException("no datagram buffer ring in " + backend());
    }

    /**
     * Whether recvmsg can be queued to the kernel (io_uring's RECVMSG); false on epoll, and on
     * io_uring with RECVMSG hidden ({@code -Djring.probe.hideOps=RECVMSG}), where a datagram
     * receive waits for readability and then calls recvmsg itself.
     */
    default boolean recvmsgInRing() {
        return false;
    }

    /** Whether this driver's ring runs {@code opcode} (its probe, minus hidden ops); false without a ring. */
    default boolean ringSupports(int opcode) {
        return false;
    }

    default boolean fixedBuffersRegistered() {
        return false;
    }

    default boolean multishotAccept() {
        return false;
    }

    /** Whether a connection may receive through one multishot recv (see {@code RecvStreamOp}). */
    default boolean multishotRecv() {
        return false;
    }

    /** What this driver has asked of the kernel so far (written on the loop thread, readable from any). */
    DriverCounters counters();

    /** One line of what this driver runs with, for logs and {@code doctor}. */
    String describe();

    /** Frees the driver's kernel objects. Called on the loop thread once {@link #inFlight()} is 0. */
    void close();
}
