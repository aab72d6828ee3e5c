package io.jring;

/** The runtime's connection-level contract topics over TLS, on io_uring. */
class TlsUringRuntimeTest extends TlsRuntimeContract {
    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }
}
