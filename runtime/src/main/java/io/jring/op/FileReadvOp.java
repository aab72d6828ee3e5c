package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_READV;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.FileCalls;
import java.nio.file.Path;

/**
 * Scattering preadv into the room after each buffer's writer index, in order; the buffers are lent
 * like {@code read(position, into)}'s. One call: completes with the count (fewer than the room
 * only at the end of the file), or -1 when the position is at or past the end.
 */
public final class FileReadvOp extends FileOp<Integer> {
    private final FileVector vector;
    private final long position;

    public FileReadvOp(OpContext context, OpOwner owner, int fd, Path path, long position, IoBuffer[] into,
                       long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        if (position < 0) {
            throw new IllegalArgumentException("readv position must be >= 0, got " + position);
        }
        FileVector v = new FileVector(context, "readv", into, true);
        try {
            lendAll(v.buffers);
        } catch (IllegalStateException e) {
            v.releaseScratch();
            throw e;
        }
        this.vector = v;
        this.position = position;
    }

    /** Lends every buffer, or none: the caller keeps all it passed if one is not its own to lend. */
    private static void lendAll(IoBuffer[] buffers) {
        for (int i = 0; i < buffers.length; i++) {
            try {
                Buffers.lend(buffers[i]);
            } catch (IllegalStateException e) {
                for (int j = 0; j < i; j++) {
                    Buffers.giveBack(buffers[j]);
                }
                throw new IllegalStateException("readv refused buffer " + i + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String name() {
        return "readv";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_READV;
    }

    @Override
    protected String blockingCall() {
        return "preadv";
    }

    @Override
    public void prepare(Sqe sqe) {
        int count = vector.describeFrom(0);
        sqe.prep(IORING_OP_READV, fd, vector.iovecs().address(), count, position);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return vector.holdsIovecs(at, size) && vector.holdsBuffers();
    }

    @Override
    public long attempt() {
        return FileCalls.preadv(fd, vector.iovecs(), vector.describeFrom(0), position);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return failFile(res);
        }
        if (res == 0) {
            return deliver(-1);
        }
        if (!isDone()) { // a cancel or deadline already failed it: the buffers are no longer the reader's
            long left = res;
            for (int i = 0; i < vector.buffers.length && left > 0; i++) {
                int filled = (int) Math.min(left, vector.lengths[i]);
                IoBuffer b = vector.buffers[i];
                Buffers.setWriterIndex(b, b.writerIndex() + filled);
                left -= filled;
            }
        }
        return deliver((int) res);
    }

    /** The user may release the buffers now; their blocks stay the op's until the read returns. */
    @Override
    protected void onCancelling() {
        for (IoBuffer b : vector.buffers) {
            Buffers.abandon(b);
        }
    }

    @Override
    protected void releaseResources() {
        for (IoBuffer b : vector.buffers) {
            Buffers.giveBack(b);
        }
        vector.releaseScratch();
    }
}
