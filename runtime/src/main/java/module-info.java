/**
 * jring: asynchronous network I/O on io_uring (and, with {@code io.jring.epoll}, on epoll)
 * through the FFM API. The API is the package {@code io.jring}; everything else is internal.
 *
 * <p>Restricted FFM calls live in {@code io.jring.bindings} alone, so on the module path
 * {@code --enable-native-access=io.jring.bindings} is the whole grant this module needs.
 */
module io.jring {
    requires io.jring.bindings;
    // The jring.* JFR events are optional: a jlinked image without jdk.jfr still runs
    // (io.jring.jfr.JringEvents checks that the module is there before touching an event class).
    // The event package is not exported: JFR records events of unexported packages.
    requires static jdk.jfr;

    exports io.jring;

    // The epoll driver is built on the driver SPI: it sees exactly what a driver needs (the op
    // it runs, the pool it receives into) and no user does.
    exports io.jring.spi to io.jring.epoll;
    exports io.jring.op to io.jring.epoll;
    exports io.jring.loop to io.jring.epoll;

    // Both drivers are found the same way; the io_uring one ships here.
    uses io.jring.spi.DriverFactory;
    provides io.jring.spi.DriverFactory with io.jring.uring.UringDriverFactory;
}
