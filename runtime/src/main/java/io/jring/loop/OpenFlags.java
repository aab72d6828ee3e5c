package io.jring.loop;

import static io.jring.bindings.FileConstants.O_APPEND;
import static io.jring.bindings.FileConstants.O_CREAT;
import static io.jring.bindings.FileConstants.O_DSYNC;
import static io.jring.bindings.FileConstants.O_EXCL;
import static io.jring.bindings.FileConstants.O_RDONLY;
import static io.jring.bindings.FileConstants.O_RDWR;
import static io.jring.bindings.FileConstants.O_SYNC;
import static io.jring.bindings.FileConstants.O_TRUNC;
import static io.jring.bindings.FileConstants.O_WRONLY;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/** {@link StandardOpenOption}s as openat flags, with FileChannel.open's meanings. */
public final class OpenFlags {
    private OpenFlags() {}

    private static final Set<StandardOpenOption> SUPPORTED = EnumSet.of(StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.APPEND, StandardOpenOption.CREATE,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DSYNC,
            StandardOpenOption.SYNC);

    public static int of(OpenOption... options) {
        Set<StandardOpenOption> set = EnumSet.noneOf(StandardOpenOption.class);
        for (OpenOption option : options) {
            if (!(option instanceof StandardOpenOption standard) || !SUPPORTED.contains(standard)) {
                throw new UnsupportedOperationException("openFile takes " + SUPPORTED + ", got " + option);
            }
            set.add(standard);
        }
        boolean write = set.contains(StandardOpenOption.WRITE) || set.contains(StandardOpenOption.APPEND);
        boolean read = set.contains(StandardOpenOption.READ) || !write;
        int flags = read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
        if (write) { // as FileChannel.open: creating and truncating need WRITE
            if (set.contains(StandardOpenOption.CREATE_NEW)) {
                flags |= O_CREAT | O_EXCL;
            } else if (set.contains(StandardOpenOption.CREATE)) {
                flags |= O_CREAT;
            }
            if (set.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                flags |= O_TRUNC;
            }
            if (set.contains(StandardOpenOption.APPEND)) {
                flags |= O_APPEND;
            }
        }
        if (set.contains(StandardOpenOption.SYNC)) {
            flags |= O_SYNC;
        } else if (set.contains(StandardOpenOption.DSYNC)) {
            flags |= O_DSYNC;
        }
        return flags;
    }
}
