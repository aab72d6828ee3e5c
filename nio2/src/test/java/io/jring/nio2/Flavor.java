package io.jring.nio2;

import io.jring.Backend;
import io.jring.IoRuntimeOptions;
import java.nio.channels.spi.AsynchronousChannelProvider;

/**
 * The providers every contract test runs on: the JDK's own (the oracle: a test that fails on it
 * is a wrong test) and jring's on each backend.
 */
enum Flavor {
    JDK, JRING_IO_URING, JRING_EPOLL;

    private AsynchronousChannelProvider provider;

    synchronized AsynchronousChannelProvider provider() {
        if (provider == null) {
            provider = switch (this) {
                case JDK -> jdkProvider();
                case JRING_IO_URING -> new JringAsynchronousChannelProvider(
                        IoRuntimeOptions.defaults().withThreads(2).withBackend(Backend.IO_URING));
                case JRING_EPOLL -> new JringAsynchronousChannelProvider(
                        IoRuntimeOptions.defaults().withThreads(2).withBackend(Backend.EPOLL));
            };
        }
        return provider;
    }

    boolean isJdk() {
        return this == JDK;
    }

    /**
     * The JDK's provider, made the way the JDK makes it when nothing else is installed. This
     * module's META-INF/services entry makes jring's the system-wide provider on the test class
     * path, so it is created directly (the build exports sun.nio.ch to the tests for this).
     */
    private static AsynchronousChannelProvider jdkProvider() {
        try {
            return (AsynchronousChannelProvider) Class.forName("sun.nio.ch.DefaultAsynchronousChannelProvider")
                    .getMethod("create").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot create the JDK's provider (is --add-exports java.base/sun.nio.ch set?)", e);
        }
    }
}
