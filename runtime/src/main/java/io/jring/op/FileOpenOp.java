package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_OPENAT;

import io.jring.AsyncFile;
import io.jring.bindings.FileCalls;
import io.jring.bindings.FileConstants;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.IntFunction;

/** openat(AT_FDCWD, path, flags, 0666 & ~umask): completes with the file, which {@code adopt} makes of the descriptor. */
public final class FileOpenOp extends FileOp<AsyncFile> {
    private static final int MODE = 0666; // the kernel applies the umask, as for any new file
    private final MemorySegment pathBytes; // read by the kernel during the op: lives as long as the op
    private final int flags;
    private final IntFunction<AsyncFile> adopt;

    public FileOpenOp(OpContext context, Path path, int flags, IntFunction<AsyncFile> adopt, long timeoutNanos) {
        super(context, null, FileConstants.AT_FDCWD, path, timeoutNanos);
        this.pathBytes = Arena.ofAuto().allocateFrom(path.toString());
        this.flags = flags | FileConstants.O_CLOEXEC;
        this.adopt = adopt;
    }

    @Override
    public String name() {
        return "openat";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_OPENAT;
    }

    @Override
    protected String blockingCall() {
        return "openat";
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_OPENAT, fd, pathBytes.address(), MODE, 0).opFlags(flags);
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return Invariants.within(pathBytes, at, size);
    }

    @Override
    public long attempt() {
        return FileCalls.openat(fd, pathBytes, flags, MODE);
    }

    @Override
    public int complete(long res, int cqeFlags) {
        if (res < 0) {
            return failFile(res);
        }
        // Made even if the user cancelled meanwhile: discard() then closes it, so the descriptor never leaks.
        return deliver(adopt.apply((int) res));
    }

    @Override
    protected void discard(AsyncFile file) {
        file.close();
    }
}
