package io.jring;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** {@link FileAttackContract} on io_uring, and again with the ring's file opcodes and SPLICE hidden. */
class UringFileAttackTest extends FileAttackContract {
    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }

    /** OPENAT, CLOSE... on the blocking pool and sendFile as read+send, as on a kernel without them. */
    @Nested
    @DisplayName("with SPLICE, OPENAT, WRITE, FSYNC, STATX, CLOSE hidden")
    class Hidden extends FileAttackContract {
        @Override
        protected Backend backend() {
            return Backend.IO_URING;
        }

        @Override
        protected String hiddenOps() {
            return "SPLICE,OPENAT,WRITE,FSYNC,STATX,CLOSE";
        }
    }
}
