package io.jring.spi;

import io.jring.Backend;
import io.jring.loop.BufferPool;
import java.io.IOException;

/**
 * Makes a loop's driver. The io_uring factory ships with the runtime; the epoll factory lives
 * in {@code epoll-fallback} and is found with {@link java.util.ServiceLoader}.
 */
public interface DriverFactory {
    Backend backend();

    /** Opens a driver on the calling (loop) thread, which becomes its only user. */
    Driver open(DriverSettings settings, BufferPool pool) throws IOException;
}
