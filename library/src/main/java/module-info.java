/**
 * The module of {@code io.jring:jring}, the one dependency: no code, only the runtime, the
 * epoll driver and TLS. A program says {@code requires io.jring;} and the runtime finds the epoll driver
 * by service binding when it is on the module path. Requiring {@code io.jring.all} instead names
 * the driver explicitly, so a {@code jlink} image without {@code --bind-services} keeps it.
 */
module io.jring.all {
    requires transitive io.jring;
    requires transitive io.jring.tls;
    requires io.jring.epoll;
}
