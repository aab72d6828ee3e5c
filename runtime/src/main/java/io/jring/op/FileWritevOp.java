package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_WRITEV;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.FileCalls;
import java.nio.file.Path;

/**
 * Gathering pwritev: several buffers go into the file in order from one position, all taken (and
 * released at the end) as {@code sendv} takes them. A short write goes on from where it stopped.
 */
public final class FileWritevOp extends FileOp<Void> {
    private final FileVector vector;
    private final long position;
    private long written;

    public FileWritevOp(OpContext context, OpOwner owner, int fd, Path path, long position, IoBuffer[] buffers,
                        long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        if (position < 0) {
            throw new IllegalArgumentException("writev position must be >= 0, got " + position);
        }
        FileVector v = new FileVector(context, "writev", buffers, false);
        try {
            SendvOp.takeAll("writev", v.buffers);
        } catch (IllegalStateException e) {
            v.releaseScratch();
            throw e;
        }
        this.vector = v;
        this.position = position;
    }

    @Override
    public String name() {
        return "writev";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_WRITEV;
    }

    @Override
    protected String blockingCall() {
        return "pwritev";
    }

    @Override
    public void prepare(Sqe sqe) {
        int count = vector.describeFrom(written);
        sqe.prep(IORING_OP_WRITEV, fd, vector.iovecs().address(), count, position + written);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return vector.holdsIovecs(at, size) && vector.holdsBuffers();
    }

    @Override
    public long attempt() {
        int count = vector.describeFrom(written);
        return FileCalls.pwritev(fd, vector.iovecs(), count, position + written);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return failFile(res);
        }
        if (res == 0 && written < vector.total) {
            return failFile(-Errno.ENOSPC); // no progress: the file cannot grow
        }
        written += res;
        return written < vector.total ? RESUBMIT : deliver(null);
    }

    @Override
    protected void releaseResources() {
        for (IoBuffer b : vector.buffers) {
            Buffers.releaseAfterSend(b);
        }
        vector.releaseScratch();
    }
}
