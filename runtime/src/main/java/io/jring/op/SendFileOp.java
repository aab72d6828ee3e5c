package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_OP_NOP;
import static io.jring.bindings.IoUringConstants.IORING_OP_POLL_ADD;
import static io.jring.bindings.IoUringConstants.IORING_OP_READ;
import static io.jring.bindings.IoUringConstants.IORING_OP_SEND;
import static io.jring.bindings.IoUringConstants.IORING_OP_SPLICE;

import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.FileCalls;
import io.jring.bindings.FileConstants;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Sends {@code count} bytes of a file from {@code position} to a socket without copying them
 * into Java memory, in one of three forms picked when the op is made:
 *
 * <ul>
 *   <li><b>splice</b> (io_uring with SPLICE): file → a pipe of this op's own → socket, two
 *       SPLICEs per pipeful; when the socket is full (its descriptor is non-blocking, so the
 *       splice answers EAGAIN instead of holding an io-wq worker) a POLL_ADD waits for room;
 *   <li><b>read + send</b> (io_uring without SPLICE, e.g. {@code -Djring.probe.hideOps=SPLICE}):
 *       READ a block of the loop's pool, SEND it, repeat: one block held, no copy into the heap;
 *   <li><b>sendfile</b> (epoll): {@code sendfile(2)} on the blocking pool, since it reads the
 *       file; EAGAIN parks the op on the socket's EPOLLOUT like a send.
 * </ul>
 *
 * A client that never reads holds at most the socket's send buffer plus one pipe (at most
 * {@link #PIPE_SIZE}) or one block: no more is read from the file until the socket takes it.
 * Completes with the bytes sent: {@code count}, or fewer if the file ended first.
 */
public final class SendFileOp extends Op<Long> {
    /** The pipe size asked for (F_SETPIPE_SZ); the kernel's default (64 KiB) if it refuses. */
    public static final int PIPE_SIZE = 1 << 20;
    /** Bytes one sendfile call may move, so a pool thread is never held long by one socket. */
    private static final long SENDFILE_CHUNK = 4L << 20;
    private static final int SEND_FLAGS = Linux.MSG_NOSIGNAL | Linux.MSG_WAITALL;

    private enum Mode { SPLICE, READ_SEND, SENDFILE }

    private enum Step { FILL, DRAIN, WAIT_ROOM, READ, SEND, SENDFILE }

    private final int fileFd;
    private final Path path;
    private final long position;
    private final long count;
    private final Runnable fileReleased;
    private final Mode mode;
    private Step step;
    private long sent;

    // splice: the pipe, made on the first submission, and the bytes in it
    private int pipeRead = -1;
    private int pipeWrite = -1;
    private int pipeSize;
    private NativeIoException pipeError; // pipe2 failed: the send fails with it at its next completion
    private int inPipe;
    // read + send: one pooled block, the bytes read into it and sent from it
    private int block = -1;
    private MemorySegment blockMemory;
    private int chunk;
    private int chunkSent;
    // sendfile: the off_t it advances
    private MemorySegment offset;
    private boolean fileGivenBack;

    /**
     * {@code fileReleased} runs once when the op ends: the file's descriptor must stay open
     * until then (its owner holds its close back).
     */
    public SendFileOp(OpContext context, OpOwner owner, int socketFd, int fileFd, Path path, long position, long count,
                      Runnable fileReleased, long timeoutNanos) {
        super(context, owner, socketFd, timeoutNanos);
        if (position < 0 || count < 0) {
            fileReleased.run();
            throw new IllegalArgumentException("sendFile needs position >= 0 and count >= 0, got " + position + ", " + count);
        }
        this.fileFd = fileFd;
        this.path = path;
        this.position = position;
        this.count = count;
        this.fileReleased = fileReleased;
        if (context.ringSupports(IORING_OP_SPLICE) && context.ringSupports(IORING_OP_POLL_ADD)) {
            mode = Mode.SPLICE;
            step = Step.FILL;
        } else if (context.ringSupports(IORING_OP_READ)) {
            mode = Mode.READ_SEND;
            step = Step.READ;
        } else {
            mode = Mode.SENDFILE;
            step = Step.SENDFILE;
            offset = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);
        }
    }

    /** Which form this send takes: {@code splice}, {@code read+send} or {@code sendfile} (tests, logs). */
    public String form() {
        return switch (mode) {
            case SPLICE -> "splice";
            case READ_SEND -> "read+send";
            case SENDFILE -> "sendfile";
        };
    }

    @Override
    public String name() {
        return "sendFile";
    }

    @Override
    public Kind kind() {
        return Kind.SEND;
    }

    @Override
    public boolean blocking() {
        return mode == Mode.SENDFILE;
    }

    @Override
    protected String failedCall() {
        return switch (step) {
            case FILL, DRAIN -> "io_uring splice";
            case WAIT_ROOM -> "io_uring poll";
            case READ -> "io_uring read";
            case SEND -> "io_uring send";
            case SENDFILE -> "sendfile";
        };
    }

    private long remaining() {
        return count - sent;
    }

    // ---- completion form -------------------------------------------------------------------

    @Override
    public void prepare(Sqe sqe) {
        switch (step) {
            case FILL -> {
                if (!openPipe()) {
                    // No pipe (out of descriptors): a NOP whose completion fails this send alone, through
                    // the op's own CQE like any other failure, rather than an exception the loop logs as a bug.
                    sqe.prep(IORING_OP_NOP, -1, 0, 0, 0);
                    return;
                }
                int length = (int) Math.min(remaining(), pipeSize);
                // splice: fd = out, off = out's offset (-1: a pipe has none), addr = in's offset.
                sqe.prep(IORING_OP_SPLICE, pipeWrite, position + sent, length, -1L)
                        .spliceFdIn(fileFd).opFlags(FileConstants.SPLICE_F_MOVE | FileConstants.SPLICE_F_NONBLOCK);
            }
            case DRAIN -> sqe.prep(IORING_OP_SPLICE, fd, -1L, inPipe, -1L)
                    .spliceFdIn(pipeRead).opFlags(FileConstants.SPLICE_F_MOVE | FileConstants.SPLICE_F_NONBLOCK);
            case WAIT_ROOM -> sqe.prep(IORING_OP_POLL_ADD, fd, 0, 0, 0).opFlags(FileConstants.POLLOUT);
            case READ -> {
                takeBlock();
                chunk = (int) Math.min(remaining(), blockMemory.byteSize());
                sqe.prep(IORING_OP_READ, fileFd, blockMemory.address(), chunk, position + sent);
            }
            case SEND -> sqe.prep(IORING_OP_SEND, fd, blockMemory.address() + chunkSent, chunk - chunkSent, 0)
                    .opFlags(SEND_FLAGS);
            case SENDFILE -> throw new IllegalStateException("sendfile has no completion form");
        }
    }

    /**
     * A pipe of this op's own: what a cancelled splice leaves in it goes away with it. False, with
     * {@link #pipeError} set, when the process has no descriptors for one.
     */
    private boolean openPipe() {
        if (pipeRead >= 0) {
            return true;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            int res = FileCalls.pipe2(fds, FileConstants.O_NONBLOCK | FileConstants.O_CLOEXEC);
            if (res < 0) {
                pipeError = new NativeIoException("pipe2", res, "sendFile needs a pipe (two descriptors) per send on"
                        + " io_uring; close files and connections you no longer use, or raise RLIMIT_NOFILE (ulimit -n)");
                return false;
            }
            pipeRead = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            pipeWrite = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        }
        FileCalls.fcntl(pipeWrite, FileConstants.F_SETPIPE_SZ, PIPE_SIZE); // refused past fs.pipe-max-size: keep the default
        int size = FileCalls.fcntl(pipeWrite, FileConstants.F_GETPIPE_SZ, 0);
        pipeSize = size > 0 ? size : 65536;
        return true;
    }

    private void takeBlock() {
        if (block < 0) {
            block = context.pool().acquireBlock(); // BufferPoolExhaustedException fails this send alone
            blockMemory = context.pool().block(block);
        }
    }

    @Override
    public boolean holdsMemory(long at, long size) {
        return blockMemory != null && Invariants.within(blockMemory, at, size);
    }

    // ---- readiness form (epoll: on the blocking pool) ---------------------------------------

    @Override
    public int interest() {
        return Linux.EPOLLOUT;
    }

    @Override
    public long attempt() {
        offset.set(ValueLayout.JAVA_LONG, 0, position + sent);
        return FileCalls.sendfile(fd, fileFd, offset, Math.min(remaining(), SENDFILE_CHUNK));
    }

    /**
     * Never: a sendfile that took less than offered may have met a full socket or the end of
     * the file, and only the next call can tell (EAGAIN parks it, 0 ends it). Guessing "full"
     * would park a send at end of file for an edge that never comes.
     */
    @Override
    public boolean drainedBy(long res) {
        return false;
    }

    // ---- results ---------------------------------------------------------------------------

    @Override
    public int complete(long res, int flags) {
        if (pipeError != null) {
            return fail(pipeError); // the NOP prepare wrote instead of a splice
        }
        if (res == -Errno.EAGAIN && step == Step.DRAIN) {
            step = Step.WAIT_ROOM; // the socket is full: wait for room instead of holding an io-wq worker
            return RESUBMIT;
        }
        if (res < 0) {
            return fail(new NativeIoException(failedCall(), (int) -res, "sending " + path + " from " + (position + sent)));
        }
        switch (step) {
            case FILL -> {
                if (res == 0) {
                    return deliver(sent); // the file ended before count
                }
                inPipe = (int) res;
                step = Step.DRAIN;
                return RESUBMIT;
            }
            case DRAIN -> {
                sent += res;
                inPipe -= (int) res;
                if (inPipe > 0) {
                    step = Step.WAIT_ROOM; // a short splice: the socket took what it had room for
                    return RESUBMIT;
                }
                step = Step.FILL;
                return sent < count ? RESUBMIT : deliver(sent);
            }
            case WAIT_ROOM -> {
                step = Step.DRAIN;
                return RESUBMIT;
            }
            case READ -> {
                if (res == 0) {
                    return deliver(sent);
                }
                chunk = (int) res;
                chunkSent = 0;
                step = Step.SEND;
                return RESUBMIT;
            }
            case SEND -> {
                chunkSent += (int) res;
                sent += res;
                if (chunkSent < chunk) {
                    return RESUBMIT;
                }
                step = Step.READ;
                return sent < count ? RESUBMIT : deliver(sent);
            }
            default -> {
                if (res == 0) {
                    return deliver(sent);
                }
                sent += res;
                return sent < count ? RESUBMIT : deliver(sent);
            }
        }
    }

    @Override
    protected void releaseResources() {
        if (pipeRead >= 0) {
            LibC.close(pipeRead);
            LibC.close(pipeWrite);
            pipeRead = pipeWrite = -1;
        }
        if (block >= 0) {
            context.pool().recycle(block);
            block = -1;
            blockMemory = null;
        }
        if (!fileGivenBack) {
            fileGivenBack = true;
            fileReleased.run();
        }
    }
}
