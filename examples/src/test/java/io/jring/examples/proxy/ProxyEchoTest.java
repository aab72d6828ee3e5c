package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jring.examples.ExternalClients;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The echo example behind the proxy: every byte of several concurrent multi-MiB streams comes back intact. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyEchoTest {
    private final PerBackend<ProxiedExample> echo = new PerBackend<>(b -> ProxiedExample.start(RunningExample.ECHO, b));

    @AfterAll
    void stop() throws Exception {
        echo.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void concurrentStreamsComeBackByteExact(String backend) throws Exception {
        ProxiedExample chain = echo.get(backend);
        // Eight connections at once, sending and reading at the same time: payloads far larger
        // than every buffer on the way, so they only get through if the proxy keeps both
        // directions moving. Each ends with a half-close that must travel to the echo server and back.
        try {
            assertEquals("ok 8", ProxyClients.pythonEchoConcurrently(chain.port(),
                    1, 1000, 65_536, 300_007, 1 << 20, 3 << 20, 5 << 20, 7_654_321));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nthe proxy said:\n" + chain.proxy().process().outputSoFar(), e);
        }
        chain.proxy().awaitIdle("after the sessions ended, both sides of each are closed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void ncRoundTrip(String backend) throws Exception {
        ProxiedExample chain = echo.get(backend);
        assertEquals("hello through the proxy\nsecond line\n",
                ExternalClients.nc(chain.port(), "hello through the proxy\nsecond line\n"));
    }
}
