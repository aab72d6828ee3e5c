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
    /**
     * The path it was opened with.
     *
     * @return the path given to {@link IoRuntime#openFile}
     */
    Path path();

    /**
     * Reads into {@code into} after its writer index, which advances, from byte {@code position}
     * of the file. Completes with the count (fewer than asked only at the end of the file), or
     * -1 when {@code position} is at or past the end.
     *
     * @param position the byte of the file to start at, not negative
     * @param into a buffer you own with writable room, lent to the read until it completes
     * @return the count read, or -1 at the end of the file
     */
    CompletableFuture<Integer> read(long position, IoBuffer into);

    /**
     * {@link #read(long, IoBuffer)} with a deadline.
     *
     * @param position the byte of the file to start at, not negative
     * @param into a buffer you own with writable room, lent to the read until it completes
     * @param timeout how long the read may take, from this call
     * @return the count read, -1 at the end of the file, or a failure with
     *     {@link java.util.concurrent.TimeoutException}
     */
    CompletableFuture<Integer> read(long position, IoBuffer into, Duration timeout);

    /**
     * Reads up to {@code length} bytes (at most one pooled buffer's worth) from {@code position}
     * into a buffer you own and must release; {@link IoBuffer#END_OF_STREAM} at the end of the file.
     *
     * @param position the byte of the file to start at, not negative
     * @param length how many bytes to read at most, at least 1
     * @return the bytes read, or {@link IoBuffer#END_OF_STREAM}
     */
    CompletableFuture<IoBuffer> read(long position, int length);

    /**
     * {@link #read(long, int)} with a deadline.
     *
     * @param position the byte of the file to start at, not negative
     * @param length how many bytes to read at most, at least 1
     * @param timeout how long the read may take, from this call
     * @return the bytes read, {@link IoBuffer#END_OF_STREAM}, or a failure with
     *     {@link java.util.concurrent.TimeoutException}
     */
    CompletableFuture<IoBuffer> read(long position, int length, Duration timeout);

    /**
     * Writes the buffer's readable bytes at {@code position}, all of them (short writes are
     * continued); takes the buffer.
     *
     * @param position the byte of the file to start at, not negative
     * @param buffer what to write (taken: released when the write ends, whatever its outcome)
     * @return completes when every byte is written
     */
    CompletableFuture<Void> write(long position, IoBuffer buffer);

    /**
     * {@link #write(long, IoBuffer)} with a deadline.
     *
     * @param position the byte of the file to start at, not negative
     * @param buffer what to write (taken)
     * @param timeout how long the write may take, from this call
     * @return completes when every byte is written; fails with
     *     {@link java.util.concurrent.TimeoutException} after {@code timeout} (some bytes may
     *     have been written by then)
     */
    CompletableFuture<Void> write(long position, IoBuffer buffer, Duration timeout);

    /**
     * Writes a copy of {@code bytes} (made now: you may free the segment when this returns).
     *
     * @param position the byte of the file to start at, not negative
     * @param bytes what to write (copied before this returns)
     * @return completes when every byte is written
     */
    CompletableFuture<Void> write(long position, MemorySegment bytes);

    /**
     * Scattering read ({@code preadv}): fills the room after each buffer's writer index in turn,
     * from byte {@code position} of the file, in one call; each writer index advances by what its
     * buffer received. The buffers are lent until the future completes, as {@link #read(long,
     * IoBuffer)} lends one. Takes 1 to {@code min(1024, bufferSize / 16)} buffers.
     *
     * @param position the byte of the file to start at, not negative
     * @param into buffers you own, each with writable room, lent until the read completes
     * @return the count read in all (fewer than the room only at the end of the file), or -1 when
     *     {@code position} is at or past the end
     */
    CompletableFuture<Integer> readv(long position, IoBuffer... into);

    /**
     * Gathering write ({@code pwritev}): the buffers' readable bytes go into the file one after
     * the other from {@code position}, all of them (short writes are continued); takes every
     * buffer, as {@link Connection#sendv(IoBuffer...)} does, or none if one is not yours to give.
     * Takes 1 to {@code min(1024, bufferSize / 16)} buffers.
     *
     * @param position the byte of the file to start at, not negative
     * @param buffers what to write, in order (taken: released when the write ends)
     * @return completes when every byte is written
     */
    CompletableFuture<Void> writev(long position, IoBuffer... buffers);

    /**
     * fsync: the file's data and metadata reach the device.
     *
     * @return completes when the kernel reports the file durable
     */
    CompletableFuture<Void> fsync();

    /**
     * fdatasync: the data, and the metadata needed to read it back (such as the size).
     *
     * @return completes when the kernel reports the data durable
     */
    CompletableFuture<Void> fdatasync();

    /**
     * The file's size now (statx).
     *
     * @return the size in bytes
     */
    CompletableFuture<Long> size();

    /**
     * A pooled buffer of this file's runtime, to fill and {@link #write(long, IoBuffer) write}.
     *
     * @return an empty buffer you own until you write or release it
     * @throws BufferPoolExhaustedException when the runtime's buffer memory is at its cap
     */
    IoBuffer allocate();

    /**
     * Whether {@link #close()} has not been called yet.
     *
     * @return true until {@link #close()} is called
     */
    boolean isOpen();

    /**
     * Closes the file. Calls in flight are cancelled where the kernel can (a read already
     * running completes), and fail with EBADF otherwise; later calls fail with EBADF. The
     * descriptor itself is closed once no call and no {@link Connection#sendFile} uses it.
     *
     * @return completes when the descriptor is closed
     */
    CompletableFuture<Void> close();
}
