/**
 * jring's epoll driver, used where io_uring is missing or refused. It has no API of its own:
 * the runtime finds it through {@link io.jring.spi.DriverFactory}.
 */
module io.jring.epoll {
    requires io.jring;
    requires io.jring.bindings;

    provides io.jring.spi.DriverFactory with io.jring.epoll.EpollDriverFactory;
}
