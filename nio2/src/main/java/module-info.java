/**
 * jring's java.nio {@link java.nio.channels.spi.AsynchronousChannelProvider}: NIO.2 code
 * ({@code AsynchronousSocketChannel}, {@code AsynchronousServerSocketChannel}) on jring's loops,
 * io_uring or epoll. A separate, opt-in artifact: with this module present the JDK's provider
 * lookup picks it up, which changes what {@code AsynchronousSocketChannel.open()} returns
 * JVM-wide.
 */
module io.jring.nio2 {
    requires io.jring;

    exports io.jring.nio2;

    provides java.nio.channels.spi.AsynchronousChannelProvider
            with io.jring.nio2.JringAsynchronousChannelProvider;
}
