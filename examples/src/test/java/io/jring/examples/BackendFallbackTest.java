package io.jring.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fallback to epoll, caused for real and watched from outside: the echo example and
 * {@code doctor} run as separate JVMs under each condition, and must name the same reason.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BackendFallbackTest {
    private static final Path IO_URING_DISABLED = Path.of("/proc/sys/kernel/io_uring_disabled");
    private static final String ECHO = "io.jring.examples.echo.EchoServer";
    private static final String DOCTOR = "io.jring.diag.Doctor";

    @Test
    void sysctlRefusalRunsEpollWithEperm() throws Exception {
        boolean possible = Files.isWritable(IO_URING_DISABLED) && "root".equals(System.getProperty("user.name"));
        String why = "needs root and " + IO_URING_DISABLED + " (kernel 6.6+)";
        // CI (JRING_REQUIRE_URING=1) runs as root on such a kernel: there this test must run, not skip.
        assertTrue(possible || !"1".equals(System.getenv("JRING_REQUIRE_URING")), why + ", and CI has to provide both");
        Assumptions.assumeTrue(possible, () -> {
            System.out.println("BackendFallbackTest skipped: " + why);
            return why;
        });
        String before = Files.readString(IO_URING_DISABLED).trim();
        try {
            Files.writeString(IO_URING_DISABLED, "2");
            String reason = "io_uring_setup: EPERM (kernel.io_uring_disabled=2)";
            assertEchoServedOnEpoll(List.of(), Map.of(), reason);
            assertDoctorSays(List.of(), Map.of(), "backend: epoll (reason: " + reason + ")");
        } finally {
            Files.writeString(IO_URING_DISABLED, before);
        }
        assertEquals(before, Files.readString(IO_URING_DISABLED).trim(), "sysctl restored");
    }

    @Test
    void missingLiburingRunsEpoll() throws Exception {
        List<String> properties = List.of("jring.liburing=liburing-does-not-exist.so.2");
        assertEchoServedOnEpoll(properties, Map.of(), "cannot load liburing-does-not-exist.so.2");
        assertDoctorSays(properties, Map.of(), "backend: epoll (reason: cannot load liburing-does-not-exist.so.2");
    }

    @Test
    void kernelWithoutRecvRunsEpoll() throws Exception {
        List<String> properties = List.of("jring.probe.hideOps=RECV");
        assertEchoServedOnEpoll(properties, Map.of(), "kernel lacks io_uring ops RECV");
        assertDoctorSays(properties, Map.of(), "backend: epoll (reason: kernel lacks io_uring ops RECV)");
    }

    /** doctor tries multishot RECVMSG with a real datagram; hidden, the loop polls and then reads. */
    @Test
    void doctorSaysWhetherMultishotRecvmsgWorks() throws Exception {
        assertDoctorSays(List.of(), Map.of(), "recvmsg multishot: supported (a loopback datagram came through it)");
        assertDoctorSays(List.of("jring.probe.hideOps=RECVMSG"), Map.of(),
                "recvmsg multishot: not used (RECVMSG hidden: poll, then recvmsg on the loop thread)");
        assertDoctorSays(List.of(), Map.of("JRING_BACKEND", "epoll"), "recvmsg multishot: not used (epoll");
    }

    @Test
    void requiredUringMakesTheFallbackAnError() throws Exception {
        List<String> properties = List.of("jring.liburing=liburing-does-not-exist.so.2");
        try (ExampleProcess server = ExampleProcess.start(ECHO, properties, Map.of("JRING_REQUIRE_URING", "1"),
                "--port", Integer.toString(ExampleProcess.freePort()))) {
            String output = server.awaitExit(Duration.ofSeconds(60));
            assertNotEquals(0, server.exitValue(), output);
            assertTrue(output.contains("io_uring is required"), output);
            assertTrue(output.contains("cannot load liburing-does-not-exist.so.2"), output);
        }
        try (ExampleProcess doctor = ExampleProcess.start(DOCTOR, properties, Map.of("JRING_REQUIRE_URING", "1"))) {
            String output = doctor.awaitExit(Duration.ofSeconds(60));
            assertEquals(1, doctor.exitValue(), output);
            assertTrue(output.contains("backend: none (io_uring is required"), output);
        }
    }

    @Test
    void forcedEpollSaysSo() throws Exception {
        assertEchoServedOnEpoll(List.of(), Map.of("JRING_BACKEND", "epoll"), "forced by JRING_BACKEND=epoll");
    }

    private static void assertEchoServedOnEpoll(List<String> properties, Map<String, String> env, String reason)
            throws Exception {
        int port = ExampleProcess.freePort();
        try (ExampleProcess server = ExampleProcess.start(ECHO, properties, env, "--port", Integer.toString(port))) {
            String ready = server.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("backend=epoll"), ready);
            assertTrue(ready.contains(reason), "reason '" + reason + "' missing from: " + ready);
            assertEquals("ok 3", ExternalClients.pythonEcho(port, 1, 4096, 200_000));
        }
    }

    private static void assertDoctorSays(List<String> properties, Map<String, String> env, String expected)
            throws Exception {
        try (ExampleProcess doctor = ExampleProcess.start(DOCTOR, properties, env)) {
            String output = doctor.awaitExit(Duration.ofSeconds(60));
            assertTrue(output.contains(expected), "doctor output lacks '" + expected + "':\n" + output);
            assertEquals(0, doctor.exitValue(), output);
        }
    }
}
