package io.jring;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A file opened with {@link IoRuntime#openFile}, owned by one event loop. On io_uring every
 * call is one operation on that loop's ring (OPENAT, READ/READ_FIXED, WRITE/WRITE_FIXED, FSYNC,
 * STATX, CLOSE); on epoll, which cannot wait for a regular file, it runs on a small blocking
 * pool shared by the process (4 threads, {@code -Djring.blockingThreads=N}), as libuv does,
 * and completes back on the loop thread. Either way no loop thread ever blocks on the disk.
 *
 * <p>The rules are a connection's: futures complete on the file's loop thread; the
 * {@link Duration} forms fail with {@link java.util.concurrent.TimeoutException} and
 * {@code cancel(true)} cancels the operation; {@code write(buffer)} takes the buffer (released
 * when the write ends) and {@code read(position, into)} lends it until its future completes.
 * (A call a blocking-pool thread already runs cannot be interrupted: its future fails at once,
 * and the buffer it reads into stays lent until the call returns.) Positions are absolute:
 * the file has no position of its own, and calls may run concurrently.
 *
 * <p>Failures are {@link NativeIoException}s naming the call, the path and the errno: ENOENT,
 * EACCES, EISDIR, ENOSPC, and EBADF for a call on a closed file (or one not opened for it).
 */
public interface AsyncFile {
    /** The path it was opened with. */
    Path path();

    /**
     * Reads into {@code into} after its writer index, which advances, from byte {@code position}
     * of the file. Completes with the count (fewer than asked only at the end of the file), or
     * -1 when {@code position} is at or past the end.
     */
    CompletableFuture<Integer> read(long position, IoBuffer into);

    CompletableFuture<Integer> read(long position, IoBuffer into, Duration timeout);

    /**
     * Reads up to {@code length} bytes (at most one pooled buffer's worth) from {@code position}
     * into a buffer you own and must release; {@link IoBuffer#END_OF_STREAM} at the end of the file.
     */
    CompletableFuture<IoBuffer> read(long position, int length);

    CompletableFuture<IoBuffer> read(long position, int length, Duration timeout);

    /** Writes the buffer's readable bytes at {@code position}, all of them; takes the buffer. */
    CompletableFuture<Void> write(long position, IoBuffer buffer);

    CompletableFuture<Void> write(long position, IoBuffer buffer, Duration timeout);

    /** Writes a copy of {@code bytes} (made now: you may free the segment when this returns). */
    CompletableFuture<Void> write(long position, MemorySegment bytes);

    /** fsync: the file's data and metadata reach the device. */
    CompletableFuture<Void> fsync();

    /** fdatasync: the data, and the metadata needed to read it back (such as the size). */
    CompletableFuture<Void> fdatasync();

    /** The file's size now (statx). */
    CompletableFuture<Long> size();

    /** A pooled buffer of this file's runtime, to fill and {@link #write(long, IoBuffer) write}. */
    IoBuffer allocate();

    boolean isOpen();

    /**
     * Closes the file. Calls in flight are cancelled where the kernel can (a read already
     * running completes), and fail with EBADF otherwise; later calls fail with EBADF. The
     * descriptor itself is closed once no call and no {@link Connection#sendFile} uses it.
     */
    CompletableFuture<Void> close();
}
