package io.jring.net;

import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The file a path-named Unix listener leaves in the file system. bind(2) creates it and
 * close(2) does not remove it, so: a listener that closes cleanly removes its own file (and only
 * its own: the file key taken at bind must still match), and a bind refused with EADDRINUSE is
 * explained: a file nobody accepts on is stale (a server that did not close cleanly left it),
 * which jring reports and never removes by itself, because a connect refused right now cannot
 * prove that no other server is starting on that path.
 */
public final class UnixSocketFiles {
    private UnixSocketFiles() {}

    /** The exception for a bind of a Unix address that failed with {@code res}. */
    static NativeIoException bindFailed(SocketAddress address, int res) {
        String call = "bind " + UnixAddresses.format(address);
        if (-res != Errno.EADDRINUSE) {
            return new NativeIoException(call, res, res == -Errno.ENOENT || res == -Errno.EACCES
                    ? "the directory of the socket file must exist and be writable" : null);
        }
        if (!(address instanceof UnixDomainSocketAddress pathAddress)) {
            return new NativeIoException(call, res, "another socket holds this abstract name; pick another name"
                    + " or stop the process using it (ss -xlp shows it)");
        }
        Path path = pathAddress.getPath();
        if (!isSocket(path)) {
            return new NativeIoException(call, res, "a file that is not a socket is in the way at " + path
                    + "; choose another path or remove that file");
        }
        int probe = probeConnect(pathAddress);
        if (probe == -Errno.ECONNREFUSED) {
            return new NativeIoException(call, res, "the socket file " + path + " is stale: nothing accepts on it"
                    + " (a test connect was refused), a server that did not close cleanly left it;"
                    + " remove it (rm " + path + ") and listen again");
        }
        if (probe == 0 || probe == -Errno.EAGAIN) {
            return new NativeIoException(call, res, "another server is listening on " + path
                    + "; stop it or choose another path");
        }
        return new NativeIoException(call, res, "the socket file " + path + " is in the way"
                + " (a test connect to it failed with " + Errno.describe(probe) + "); remove it if no server uses it");
    }

    /** A non-blocking connect to {@code address}: 0 or EAGAIN when a server is there, ECONNREFUSED when none. */
    private static int probeConnect(UnixDomainSocketAddress address) {
        int fd = LibC.socket(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return fd;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(UnixAddresses.LENGTH, 8);
            return LibC.connect(fd, sockaddr, UnixAddresses.write(address, sockaddr));
        } finally {
            LibC.close(fd);
        }
    }

    /** S_IFMT and S_IFSOCK of stat(2)'s st_mode. */
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & FILE_TYPE_MASK) == SOCKET_TYPE;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException unreadable) {
            return false;
        }
    }

    /**
     * The identity (device and inode) of the file just bound at {@code address}, or null for an
     * abstract name or when it cannot be read; {@link #removeIfSame} compares it at close.
     */
    public static Object fileKeyAfterBind(SocketAddress address) {
        if (!(address instanceof UnixDomainSocketAddress pathAddress)) {
            return null;
        }
        try {
            return Files.readAttributes(pathAddress.getPath(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (IOException unreadable) {
            return null;
        }
    }

    /**
     * Removes the socket file of a listener that closed, if it is still the file that listener
     * bound: another server may have removed it and bound the path again meanwhile, and its file
     * must stay. A failure is logged, never thrown: the listener is closed either way.
     */
    public static void removeIfSame(SocketAddress address, Object fileKey) {
        if (!(address instanceof UnixDomainSocketAddress pathAddress) || fileKey == null) {
            return;
        }
        Path path = pathAddress.getPath();
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey.equals(now)) {
                Files.delete(path);
            }
        } catch (java.nio.file.NoSuchFileException alreadyGone) {
            // someone removed it: nothing to do
        } catch (IOException e) {
            System.getLogger("io.jring").log(System.Logger.Level.WARNING,
                    "could not remove the socket file " + path + " of a closed listener: " + e
                            + "; remove it by hand, or the next listen on it reports it as stale");
        }
    }
}
