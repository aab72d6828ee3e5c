package io.jring.op;

import io.jring.IoBuffer;

/** Whoever queued an operation and must hear when the kernel is done with it. */
public interface OpOwner {
    /** Called on the loop thread once the op has ended and the kernel holds nothing of it. */
    void opFinished(Op<?> op);

    /**
     * The op's deadline passed while it waited in the loop (its turn had not come, or it waited
     * for data a multishot recv had not brought yet): end it with a timeout (loop thread).
     */
    default void deadlinePassed(Op<?> op) {}

    /**
     * The user cancelled an op the driver was not running: it still waits its turn with the
     * owner, who should end it now rather than when its turn comes (loop thread).
     */
    default void cancelledWhileWaiting(Op<?> op) {}

    /**
     * A recv was cancelled just as the kernel filled {@code data} for it: the owner keeps the
     * bytes for the next recv, so a cancel never loses data that already left the socket.
     */
    /**
     * A send of {@code bytes} ended, however it ended, and the kernel holds none of its memory
     * any more (loop thread; called as the op gives back what it holds, before its future
     * completes). Keeps a connection's count of queued send bytes exact.
     */
    default void sendEnded(long bytes) {}

    /**
     * A send whose future just completed (every byte is queued on the socket, or it failed for
     * good) still holds its memory until a later kernel notification (a zero-copy send): the
     * owner may start its next send, and close the descriptor, which the op no longer uses.
     * {@link #opFinished} follows at the notification (loop thread).
     */
    default void sendDone(Op<?> op) {}

    default void keepUnclaimed(IoBuffer data) {
        data.release();
    }
}
