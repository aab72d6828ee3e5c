package io.jring.op;

/** Whoever queued an operation and must hear when the kernel is done with it. */
public interface OpOwner {
    /** Called on the loop thread once the op has ended and the kernel holds nothing of it. */
    void opFinished(Op<?> op);
}
