package io.jring.op;

/**
 * An op that can end one submission without ending its future, when the kernel is short of
 * something that comes back by itself (an accept that meets EMFILE: descriptors are freed as
 * connections close). Its {@link Op#complete} then returns {@link Op#FINISHED} with the future
 * still pending and {@link #pausedBy()} set: the driver forgets the op as for any end (nothing
 * of it is left in the kernel), and its owner, seeing in {@link OpOwner#opFinished} an op that
 * is not done, submits the same op again after a pause. Retrying at once would only spin: the
 * kernel answers the same until the resource comes back, and an edge-triggered epoll sends no
 * new event for connections that already wait in the queue.
 */
public interface Pausable {
    /** The errno that ended the op's last submission while its future stays pending, or 0. */
    int pausedBy();
}
