package io.jring.uring;

import io.jring.Backend;
import io.jring.loop.BufferPool;
import io.jring.spi.Driver;
import io.jring.spi.DriverFactory;
import io.jring.spi.DriverSettings;
import java.io.IOException;

/** Opens {@link UringDriver}s; found by {@link java.util.ServiceLoader} like the epoll driver's factory. */
public final class UringDriverFactory implements DriverFactory {
    @Override
    public Backend backend() {
        return Backend.IO_URING;
    }

    @Override
    public Driver open(DriverSettings settings, BufferPool pool) throws IOException {
        return new UringDriver(settings, pool);
    }
}
