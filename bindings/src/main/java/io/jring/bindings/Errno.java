package io.jring.bindings;

/**
 * errno values of Linux on x86-64 and aarch64 (asm-generic), with their symbolic names, so
 * that every error the runtime raises can say {@code ECONNRESET} rather than {@code 104}.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ESPIPE = 29;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ENOBUFS = 105;
    public static final int ENOTSOCK = 88;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ECANCELED = 125;
    public static final int ETIME = 62;
    public static final int EBADR = 53;
    public static final int EFBIG = 27;
    public static final int EMSGSIZE = 90;

    private static final String[] NAMES = new String[134];

    static {
        for (var field : Errno.class.getFields()) {
            if (field.getType() == int.class) {
                try {
                    NAMES[field.getInt(null)] = field.getName();
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    private Errno() {}

    /** {@code ECONNRESET} for 104 (or -104); {@code errno 200} for a number without a name here. */
    public static String name(int errno) {
        int e = Math.abs(errno);
        return e < NAMES.length && NAMES[e] != null ? NAMES[e] : "errno " + e;
    }

    /** {@code ECONNRESET (Connection reset by peer)}: the name and libc's description. */
    public static String describe(int errno) {
        return name(errno) + " (" + LibC.strerror(Math.abs(errno)) + ")";
    }
}
