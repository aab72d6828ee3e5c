package io.jring;

/** The runtime's connection-level contract topics over TLS, on epoll. */
class TlsEpollRuntimeTest extends TlsRuntimeContract {
    @Override
    protected Backend backend() {
        return Backend.EPOLL;
    }
}
