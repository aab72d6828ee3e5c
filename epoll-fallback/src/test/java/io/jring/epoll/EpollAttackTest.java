package io.jring.epoll;

import io.jring.AttackContract;
import io.jring.Backend;

/** {@link AttackContract} on epoll. */
class EpollAttackTest extends AttackContract {
    @Override
    protected Backend backend() {
        return Backend.EPOLL;
    }
}
