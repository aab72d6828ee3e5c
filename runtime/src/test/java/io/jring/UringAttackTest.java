package io.jring;

/** {@link AttackContract} on io_uring. */
class UringAttackTest extends AttackContract {
    @Override
    protected Backend backend() {
        return Backend.IO_URING;
    }
}
