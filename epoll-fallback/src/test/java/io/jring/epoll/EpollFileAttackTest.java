package io.jring.epoll;

import io.jring.Backend;
import io.jring.FileAttackContract;

/** {@link FileAttackContract} on epoll: file calls on the blocking pool, sendFile as sendfile(2). */
class EpollFileAttackTest extends FileAttackContract {
    @Override
    protected Backend backend() {
        return Backend.EPOLL;
    }
}
