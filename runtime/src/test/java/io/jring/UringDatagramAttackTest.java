package io.jring;

/** {@link DatagramAttackContract} on io_uring (multishot RECVMSG on this kernel). */
class UringDatagramAttackTest extends DatagramAttackContract {
    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }
}
