package io.jring.epoll;

import io.jring.Backend;
import io.jring.RuntimeContract;

/** The runtime's whole contract suite, on the epoll driver: same tests, same assertions. */
class EpollRuntimeTest extends RuntimeContract {
    @Override
    protected Backend backend() {
        return Backend.EPOLL;
    }
}
