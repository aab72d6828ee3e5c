package io.jring.loop;

import io.jring.AsyncFile;
import io.jring.BufferPoolExhaustedException;
import io.jring.IoBuffer;
import io.jring.bindings.Errno;
import io.jring.op.FileCloseOp;
import io.jring.op.FileOp;
import io.jring.op.FileReadBlockOp;
import io.jring.op.FileReadOp;
import io.jring.op.FileReadvOp;
import io.jring.op.FileSizeOp;
import io.jring.op.FileSyncOp;
import io.jring.op.FileWriteOp;
import io.jring.op.FileWritevOp;
import io.jring.op.Op;
import io.jring.op.OpOwner;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A file on one loop. Its operations run concurrently (positions are absolute); the loop
 * tracks them, so that {@link #close()} closes the descriptor only once none runs and no
 * {@code sendFile} on another connection still reads it: until then the number cannot be
 * handed to another file or socket under their feet.
 */
final class LoopFile implements AsyncFile, OpOwner, EventLoop.Closeable {
    private final EventLoop loop;
    private final int fd;
    private final Path path;
    private final LoopFuture<Void> closed;
    /** Loop thread only. */
    private final Set<Op<?>> running = Collections.newSetFromMap(new IdentityHashMap<>());
    /** sendFiles (on any loop) using the descriptor now. */
    private final AtomicInteger borrowers = new AtomicInteger();
    private volatile boolean closing;
    private boolean closeSubmitted;

    LoopFile(EventLoop loop, int fd, Path path) {
        this.loop = loop;
        this.fd = fd;
        this.path = path;
        this.closed = new LoopFuture<>(loop);
    }

    @Override
    public Path path() {
        return path;
    }

    EventLoop loop() {
        return loop;
    }

    int fd() {
        return fd;
    }

    @Override
    public CompletableFuture<Integer> read(long position, IoBuffer into) {
        return read(position, into, null);
    }

    @Override
    public CompletableFuture<Integer> read(long position, IoBuffer into, Duration timeout) {
        return admit("read", () -> new FileReadOp(loop, this, fd, path, position, into, TcpConnection.timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<IoBuffer> read(long position, int length) {
        return read(position, length, null);
    }

    @Override
    public CompletableFuture<IoBuffer> read(long position, int length, Duration timeout) {
        return admit("read", () -> new FileReadBlockOp(loop, this, fd, path, position, length, TcpConnection.timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Void> write(long position, IoBuffer buffer) {
        return write(position, buffer, null);
    }

    @Override
    public CompletableFuture<Void> write(long position, IoBuffer buffer, Duration timeout) {
        return admit("write", () -> new FileWriteOp(loop, this, fd, path, position, buffer, TcpConnection.timeoutNanos(timeout)));
    }

    @Override
    public CompletableFuture<Void> write(long position, MemorySegment bytes) {
        return admit("write", () -> new FileWriteOp(loop, this, fd, path, position, bytes, 0));
    }

    @Override
    public CompletableFuture<Integer> readv(long position, IoBuffer... into) {
        return admit("readv", () -> new FileReadvOp(loop, this, fd, path, position, into, 0));
    }

    @Override
    public CompletableFuture<Void> writev(long position, IoBuffer... buffers) {
        return admit("writev", () -> new FileWritevOp(loop, this, fd, path, position, buffers, 0));
    }

    @Override
    public CompletableFuture<Void> fsync() {
        return admit("fsync", () -> new FileSyncOp(loop, this, fd, path, false, 0));
    }

    @Override
    public CompletableFuture<Void> fdatasync() {
        return admit("fdatasync", () -> new FileSyncOp(loop, this, fd, path, true, 0));
    }

    @Override
    public CompletableFuture<Long> size() {
        return admit("statx", () -> new FileSizeOp(loop, this, fd, path, 0));
    }

    @Override
    public IoBuffer allocate() {
        return loop.pool().acquire();
    }

    @Override
    public boolean isOpen() {
        return !closing;
    }

    /**
     * Makes the op on the caller's thread (argument errors and ownership checks throw there, as
     * for a connection) and starts it on the loop, or fails it with EBADF if the file is closed.
     */
    private <T> CompletableFuture<T> admit(String call, Supplier<? extends Op<T>> make) {
        Op<T> op;
        try {
            if (closing) {
                return LoopFuture.failed(FileOp.error(call, path, Errno.EBADF));
            }
            op = make.get();
        } catch (BufferPoolExhaustedException e) {
            return LoopFuture.failed(e);
        }
        loop.run(() -> start(op));
        return op;
    }

    private void start(Op<?> op) {
        if (closing) {
            failClosed(op);
            op.aborted();
            op.finished();
            return;
        }
        running.add(op);
        loop.submit(op);
    }

    private void failClosed(Op<?> op) {
        op.cancelBecause(FileOp.error(op.name(), path, Errno.EBADF));
    }

    @Override
    public void opFinished(Op<?> op) {
        if (op instanceof FileCloseOp) {
            return; // its own stage completes the close future
        }
        running.remove(op);
        maybeCloseDescriptor();
    }

    /** A sendFile starts using the descriptor (any thread): false if the file is closed. */
    boolean borrow() {
        borrowers.incrementAndGet();
        if (closing) {
            giveBack();
            return false;
        }
        return true;
    }

    /** A sendFile is done with the descriptor (any thread). */
    void giveBack() {
        if (borrowers.decrementAndGet() == 0 && closing) {
            loop.run(this::maybeCloseDescriptor);
        }
    }

    @Override
    public CompletableFuture<Void> close() {
        loop.run(this::beginClose);
        return closed;
    }

    @Override
    public void closeForShutdown() {
        beginClose();
    }

    private void beginClose() {
        if (closing) {
            return;
        }
        closing = true;
        for (Op<?> op : running.toArray(Op<?>[]::new)) {
            failClosed(op);
            loop.driver().cancel(op); // a read already running just completes
        }
        maybeCloseDescriptor();
    }

    private void maybeCloseDescriptor() {
        if (!closing || closeSubmitted || !running.isEmpty() || borrowers.get() > 0) {
            return;
        }
        closeSubmitted = true;
        loop.closingDescriptor(fd);
        FileCloseOp op = new FileCloseOp(loop, this, fd, path);
        op.whenComplete((ignored, error) -> {
            loop.unregister(this);
            if (error == null) {
                closed.succeed(null);
            } else {
                closed.fail(error);
            }
        });
        loop.submit(op);
    }

    @Override
    public String toString() {
        return "AsyncFile[" + path + ", fd=" + fd + ", loop=" + loop.index() + (closing ? ", closed" : "") + "]";
    }
}
