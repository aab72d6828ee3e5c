/**
 * The consumer as a named module: all a program on the module path needs to say. The epoll
 * driver is bound as a service of io.jring, so it needs no line here.
 */
module example {
    requires io.jring;
}
