package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;

import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.buffer.Buffers;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * The send behind {@code Connection.sendAndForget}: one per connection, loaded with the next
 * buffer each time its turn in the send queue comes, so a futureless send allocates nothing.
 * That reuse is safe only because its future never leaves the runtime: nobody can hold it, wait
 * on it or see it used twice ({@link #reusable()}). It ends each send without completing that
 * future; a failure goes to {@code onError} (the connection), a close fails the future for good.
 *
 * <p>Like {@link SendOp} it sends until every byte is out ({@code MSG_WAITALL}, short writes
 * continued) with {@code MSG_NOSIGNAL}, and releases the buffer however the send ends.
 */
public final class ReusableSendOp extends StreamSendOp {
    private static final int SEND_FLAGS = Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL;

    private final Consumer<Throwable> onError;
    /** The buffer being sent (taken), or null between sends. */
    private IoBuffer buffer;
    /** The buffer's whole block, and where its readable bytes start in it. */
    private MemorySegment memory;
    private int start;
    private long address;
    private int length;
    private int sent;
    /** Submitted before: the next load must {@link #reuse()} it. */
    private boolean used;

    public ReusableSendOp(OpContext context, OpOwner owner, int fd, Consumer<Throwable> onError) {
        super(context, owner, fd, 0);
        this.onError = onError;
    }

    /**
     * Takes {@code buffer} for a futureless send, on the caller's thread: throws, taking nothing,
     * if the caller does not own it or it belongs to another runtime.
     */
    public static void take(OpContext context, IoBuffer buffer) {
        SendOp.checkSameRuntime(context, buffer);
        Buffers.takeForSend(buffer);
    }

    /**
     * A futureless send's buffer is done with, however its send ended (or if it never started):
     * the buffer goes back and its bytes leave {@code owner}'s queued count.
     */
    public static void giveBack(OpOwner owner, IoBuffer buffer) {
        int length = buffer.readableBytes();
        Buffers.releaseAfterSend(buffer);
        owner.sendEnded(length);
    }

    /** Makes {@code buffer} (already {@link #take taken}) what the next submission sends. */
    public void load(IoBuffer buffer) {
        if (this.buffer != null) {
            throw new IllegalStateException("send " + this + " is still sending its last buffer");
        }
        if (used) {
            reuse(); // throws if the last send has not ended, or a close ended this op for good
        }
        used = true;
        this.buffer = buffer;
        this.memory = Buffers.memory(buffer);
        this.start = buffer.readerIndex();
        this.address = Buffers.address(buffer, start);
        this.length = buffer.readableBytes();
        this.sent = 0;
    }

    @Override
    protected boolean reusable() {
        return true;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_SEND, fd, address + sent, length - sent, 0).opFlags(SEND_FLAGS);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return buffer != null && Buffers.heldByOperation(buffer) && Invariants.within(Buffers.memory(buffer), at, size);
    }

    @Override
    public long attempt() {
        // The block itself when the bytes start at its beginning (a received or allocated buffer,
        // sent whole): no segment object is made per send on the readiness path.
        int from = start + sent;
        return LibC.send(fd, from == 0 ? memory : memory.asSlice(from), length - sent, Linux.MSG_NOSIGNAL);
    }

    /** A short write: the send buffer is full. */
    @Override
    public boolean drainedBy(long res) {
        return res > 0 && res < length - sent;
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            releaseResources();
            onError.accept(new NativeIoException("send", (int) -res));
            return FINISHED;
        }
        sent += (int) res;
        if (sent < length) {
            return RESUBMIT;
        }
        releaseResources();
        return FINISHED; // the future stays pending: the connection loads the next buffer
    }

    /** Gives the buffer back and tells the connection its bytes left the queue; idempotent. */
    @Override
    protected void releaseResources() {
        IoBuffer sending = buffer;
        if (sending != null) {
            buffer = null;
            memory = null;
            giveBack(owner(), sending);
        }
    }
}
