package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 connections open at the same time, each exchanging a message with the echo server on
 * the runtime. The clients run in a child JVM: one process may hold only 20,000 descriptors.
 */
public abstract class ManyConnectionsContract extends RuntimeTestBase {
    static final int CONNECTIONS = 10_000;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void tenThousandConcurrentConnectionsAllEchoed() throws Exception {
        IoRuntime runtime = open(2);
        EchoService echo = EchoService.start(runtime, ListenOptions.DEFAULT.withBacklog(16384));
        int baseline = idleBaseline(runtime);
        try (ChildJvm child = closeLater(ChildJvm.start(ManyClientsMain.class, "127.0.0.1",
                String.valueOf(echo.address().getPort()), String.valueOf(CONNECTIONS)))) {
            String opened = child.readLine();
            assertNotNull(opened, () -> "the client JVM ended early: " + child.stderr());
            assertEquals("OPENED " + CONNECTIONS, opened, () -> "client JVM: " + child.stderr());
            String result = child.readLine();
            assertNotNull(result, () -> "the client JVM ended early: " + child.stderr());
            assertEquals("RESULT opened=" + CONNECTIONS + " echoed=" + CONNECTIONS + " mismatched=0 eof=0", result,
                    () -> "client JVM: " + child.stderr());

            // Every connection is open on the server too, at the same time.
            assertEquals(CONNECTIONS, echo.accepted.get(), "connections accepted");
            assertEquals(CONNECTIONS, echo.open.get(), "server connections open at once");
            assertTrue(echo.errors.isEmpty(), () -> "server errors, e.g. " + echo.errors.peek());

            child.writeLine("close");
            assertEquals("CLOSED", child.readLine());
            assertEquals(0, child.waitFor(30), () -> "client JVM exit: " + child.stderr());
        }
        Await.until(() -> echo.open.get() == 0, 30_000,
                () -> echo.open.get() + " server connections still open after the clients closed");
        assertEquals(CONNECTIONS, echo.maxOpen.get());
        assertBuffersBackTo(runtime, baseline);
    }
}
