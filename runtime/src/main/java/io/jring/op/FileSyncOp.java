package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_FSYNC_DATASYNC;
import static io.jring.bindings.IoUringConstants.IORING_OP_FSYNC;

import io.jring.bindings.FileCalls;
import java.nio.file.Path;

/** fsync, or fdatasync (the data and what reading it needs, such as the size, but not every timestamp). */
public final class FileSyncOp extends FileOp<Void> {
    private final boolean dataOnly;

    public FileSyncOp(OpContext context, OpOwner owner, int fd, Path path, boolean dataOnly, long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        this.dataOnly = dataOnly;
    }

    @Override
    public String name() {
        return dataOnly ? "fdatasync" : "fsync";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_FSYNC;
    }

    @Override
    protected String blockingCall() {
        return name();
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_FSYNC, fd, 0, 0, 0).opFlags(dataOnly ? IORING_FSYNC_DATASYNC : 0);
    }

    @Override
    public long attempt() {
        return dataOnly ? FileCalls.fdatasync(fd) : FileCalls.fsync(fd);
    }

    @Override
    public int complete(long res, int flags) {
        return res < 0 ? failFile(res) : deliver(null);
    }
}
