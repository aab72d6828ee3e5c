package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_STATX;

import io.jring.bindings.FileCalls;
import io.jring.bindings.FileConstants;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** statx(fd, "", AT_EMPTY_PATH, STATX_SIZE): the file's size now, in bytes. */
public final class FileSizeOp extends FileOp<Long> {
    // Both are written or read by the kernel during the op: they live as long as the op.
    private final MemorySegment emptyPath;
    private final MemorySegment statx;

    public FileSizeOp(OpContext context, OpOwner owner, int fd, Path path, long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        Arena arena = Arena.ofAuto();
        this.emptyPath = arena.allocate(8, 8);
        this.statx = arena.allocate(FileConstants.STATX_BUFFER_SIZE, 8);
    }

    @Override
    public String name() {
        return "statx";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_STATX;
    }

    @Override
    protected String blockingCall() {
        return "statx";
    }

    @Override
    public void prepare(Sqe sqe) {
        // statx's SQE: addr = path, len = mask, off (addr2) = the struct statx to fill.
        sqe.prep(IORING_OP_STATX, fd, emptyPath.address(), FileConstants.STATX_SIZE, statx.address())
                .opFlags(FileConstants.AT_EMPTY_PATH);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(emptyPath, at, size) || Invariants.within(statx, at, size);
    }

    @Override
    public long attempt() {
        return FileCalls.statx(fd, emptyPath, FileConstants.AT_EMPTY_PATH, FileConstants.STATX_SIZE, statx);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return failFile(res);
        }
        return deliver(statx.get(ValueLayout.JAVA_LONG, FileConstants.STATX_SIZE_OFFSET));
    }
}
