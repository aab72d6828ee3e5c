package io.jring.spi;

import io.jring.Backend;
import io.jring.loop.BufferPool;
import java.io.IOException;

/**
 * Makes a loop's driver. Both factories are found with {@link java.util.ServiceLoader}: the
 * io_uring one ships with the runtime, the epoll one in {@code epoll-fallback}; each is declared
 * in its module-info ({@code provides}) and in META-INF/services for the class path.
 */
public interface DriverFactory {
    Backend backend();

    /** Opens a driver on the calling (loop) thread, which becomes its only user. */
    Driver open(DriverSettings settings, BufferPool pool) throws IOException;
}
