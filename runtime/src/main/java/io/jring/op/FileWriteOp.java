package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_WRITE;
import static io.jring.bindings.IoUringConstants.IORING_OP_WRITE_FIXED;

import io.jring.IoBuffer;
import io.jring.buffer.Buffers;
import io.jring.bindings.Errno;
import io.jring.bindings.FileCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * pwrite until every byte is in the file: a short write goes on from where it stopped. Takes
 * the caller's buffer like {@code send} does (released when the write ends), or copies a
 * segment into memory the runtime owns until the last completion.
 */
public final class FileWriteOp extends FileOp<Void> {
    private final IoBuffer buffer;      // the caller's buffer (taken), or null when writing a copy
    private final MemorySegment copy;   // the copy, or null
    private final long address;
    private final int length;
    private final long position;
    private int written;

    public FileWriteOp(OpContext context, OpOwner owner, int fd, Path path, long position, IoBuffer buffer,
                       long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        checkPosition(position);
        SendOp.checkSameRuntime(context, buffer);
        Buffers.takeForSend(buffer); // throws, taking nothing, if the caller does not own it
        this.buffer = buffer;
        this.copy = null;
        this.address = Buffers.address(buffer, buffer.readerIndex());
        this.length = buffer.readableBytes();
        this.position = position;
    }

    public FileWriteOp(OpContext context, OpOwner owner, int fd, Path path, long position, MemorySegment bytes,
                       long timeoutNanos) {
        super(context, owner, fd, path, timeoutNanos);
        checkPosition(position);
        if (bytes.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("write takes at most " + Integer.MAX_VALUE + " bytes per call, got "
                    + bytes.byteSize() + ": write the segment in slices");
        }
        this.buffer = null;
        this.copy = Arena.ofAuto().allocate(Math.max(1, bytes.byteSize()), 8).copyFrom(bytes);
        this.address = copy.address();
        this.length = (int) bytes.byteSize();
        this.position = position;
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("write position must be >= 0, got " + position);
        }
    }

    @Override
    public String name() {
        return "write";
    }

    @Override
    protected int ringOpcode() {
        return IORING_OP_WRITE;
    }

    @Override
    protected String blockingCall() {
        return "pwrite";
    }

    @Override
    public void prepare(Sqe sqe) {
        int fixedIndex = buffer != null ? SendOp.fixedIndex(context, buffer) : -1;
        if (fixedIndex >= 0) {
            sqe.prep(IORING_OP_WRITE_FIXED, fd, address + written, length - written, position + written)
                    .bufIndex(fixedIndex);
        } else {
            sqe.prep(IORING_OP_WRITE, fd, address + written, length - written, position + written);
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        if (buffer != null) {
            return Buffers.heldByOperation(buffer) && Invariants.within(Buffers.memory(buffer), at, size);
        }
        return Invariants.within(copy, at, size);
    }

    @Override
    public long attempt() {
        return FileCalls.pwrite(fd, MemorySegment.ofAddress(address + written), length - written, position + written);
    }

    @Override
    public int complete(long res, int flags) {
        if (res < 0) {
            return failFile(res);
        }
        if (res == 0 && length > 0) {
            return failFile(-Errno.ENOSPC); // pwrite makes no progress only when the file cannot grow
        }
        written += (int) res;
        return written < length ? RESUBMIT : deliver(null);
    }

    @Override
    protected void releaseResources() {
        if (buffer != null) {
            Buffers.releaseAfterSend(buffer);
        }
    }
}
