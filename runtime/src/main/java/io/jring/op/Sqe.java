package io.jring.op;

/**
 * One submission queue entry being filled: the completion form of an {@link Op} writes
 * through this, much as liburing's {@code io_uring_prep_*} helpers write a {@code struct
 * io_uring_sqe}. {@link #prep} zeroes the entry first, so an op sets only what it uses.
 */
public interface Sqe {
    /** liburing's {@code io_uring_prep_rw}: opcode, fd, addr, len and off; every other field zeroed. */
    Sqe prep(int opcode, int fd, long addr, int len, long off);

    /** The opcode-specific flags word ({@code msg_flags}, {@code accept_flags}, ...). */
    Sqe opFlags(int flags);

    /** {@code IOSQE_*} flags. */
    Sqe sqeFlags(int flags);

    /** {@code ioprio}, which some opcodes use for their own flags (multishot accept, recv). */
    Sqe ioprio(int value);

    /** {@code buf_index} (fixed buffers) or {@code buf_group} (provided buffers): one field. */
    Sqe bufIndex(int index);

    /** {@code splice_fd_in}: the descriptor a SPLICE reads from. */
    default Sqe spliceFdIn(int fd) {
        throw new UnsupportedOperationException("splice_fd_in");
    }
}
