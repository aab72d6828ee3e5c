package io.jring.bindings;

/**
 * File and pipe constants (fcntl.h, sys/stat.h, linux/stat.h, poll.h). Kept apart from
 * {@link Linux}, whose values the layout test checks against headers compiled without
 * {@code _GNU_SOURCE}; every value here is the same on x86-64 and the asm-generic ABIs
 * (aarch64, riscv64), which is why O_DIRECTORY and O_DIRECT (they differ) are not here.
 */
public final class FileConstants {
    private FileConstants() {}

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04010000;

    /** openat's directory argument meaning "relative to the working directory". */
    public static final int AT_FDCWD = -100;
    /** statx on the descriptor itself (an empty path). */
    public static final int AT_EMPTY_PATH = 0x1000;

    public static final int STATX_TYPE = 0x1;
    public static final int STATX_MODE = 0x2;
    public static final int STATX_SIZE = 0x200;
    /** sizeof(struct statx). */
    public static final int STATX_BUFFER_SIZE = 256;
    /** offsetof(struct statx, stx_mode): a __u16. */
    public static final int STATX_MODE_OFFSET = 28;
    /** offsetof(struct statx, stx_size): a __u64. */
    public static final int STATX_SIZE_OFFSET = 40;
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;

    public static final int SPLICE_F_MOVE = 1;
    public static final int SPLICE_F_NONBLOCK = 2;
    public static final int F_SETPIPE_SZ = 1031;
    public static final int F_GETPIPE_SZ = 1032;

    public static final int POLLOUT = 0x004;
}
