package io.jring.epoll;

import io.jring.Backend;
import io.jring.DatagramAttackContract;

/** {@link DatagramAttackContract} on epoll: plain recvmsg and sendmsg on readiness. */
class EpollDatagramAttackTest extends DatagramAttackContract {
    @Override
    protected Backend backend() {
        return Backend.EPOLL;
    }
}
