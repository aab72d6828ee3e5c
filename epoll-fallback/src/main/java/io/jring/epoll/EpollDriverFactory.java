package io.jring.epoll;

import io.jring.Backend;
import io.jring.loop.BufferPool;
import io.jring.spi.Driver;
import io.jring.spi.DriverFactory;
import io.jring.spi.DriverSettings;
import java.io.IOException;

/** Opens {@link EpollDriver}s; registered for {@link java.util.ServiceLoader} in module-info and META-INF/services. */
public final class EpollDriverFactory implements DriverFactory {
    @Override
    public Backend backend() {
        return Backend.EPOLL;
    }

    @Override
    public Driver open(DriverSettings settings, BufferPool pool) throws IOException {
        return new EpollDriver(settings);
    }
}
