package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_CLOSE;

import io.jring.bindings.LibC;
import java.nio.file.Path;

/** close of a file's descriptor, once nothing uses it any more (its owner sees to that). */
public final class FileCloseOp extends FileOp<Void> {
    public FileCloseOp(OpContext context, OpOwner owner, int fd, Path path) {
        super(context, owner, fd, path, 0);
    }

    @Override
    public String name() {
        return "close";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_CLOSE;
    }

    @Override
    protected String blockingCall() {
        return "close";
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_CLOSE, fd, 0, 0, 0);
    }

    @Override
    public long attempt() {
        return LibC.close(fd);
    }

    @Override
    public int complete(long res, int flags) {
        return res < 0 ? failFile(res) : deliver(null);
    }
}
