package io.jring.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./jring doctor} as a separate JVM: the lines about the paths only io_uring has (which
 * io_uring-only opcodes the kernel lists, what sendFile and the file ops run, and whether a
 * loopback send really went through SEND_ZC), on this kernel, with opcodes hidden as on an older
 * one, and on epoll.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DoctorUringOnlyPathsTest {
    @Test
    void listsTheIoUringOnlyOpsAndTriesZeroCopy() throws Exception {
        String output = doctor(List.of(), Map.of());
        assertContains(output, "io_uring-only ops: SEND_ZC yes, SPLICE yes, RECVMSG yes, OPENAT yes, READ yes,"
                + " WRITE yes, FSYNC yes, STATX yes, CLOSE yes");
        assertContains(output, "sendFile: SPLICE (file -> pipe -> socket");
        assertContains(output, "files: through the ring (OPENAT READ WRITE FSYNC STATX CLOSE)");
        // Loopback always copies, and the kernel says so in the notification it was asked to report in.
        assertContains(output, "zero-copy send: supported (a loopback send went through SEND_ZC; the kernel copied it");
    }

    @Test
    void hiddenOpsShowTheirFallbacks() throws Exception {
        String output = doctor(List.of("jring.probe.hideOps=SEND_ZC,SPLICE,STATX"), Map.of());
        assertContains(output, "io_uring-only ops: SEND_ZC no, SPLICE no, RECVMSG yes");
        assertContains(output, "STATX no, CLOSE yes");
        assertContains(output, "sendFile: read + send through one pooled block (the ring lacks SPLICE)");
        assertContains(output, "files: through the ring, except STATX (on the blocking pool)");
        assertContains(output, "zero-copy send: not used (a loopback send went by plain SEND");
    }

    @Test
    void epollSendsPlain() throws Exception {
        String output = doctor(List.of(), Map.of("JRING_BACKEND", "epoll"));
        assertContains(output, "zero-copy send: not used (epoll sends with plain send)");
    }

    private static String doctor(List<String> properties, Map<String, String> env) throws Exception {
        try (ExampleProcess doctor = ExampleProcess.start("io.jring.diag.Doctor", properties, env)) {
            String output = doctor.awaitExit(Duration.ofSeconds(60));
            assertEquals(0, doctor.exitValue(), output);
            return output;
        }
    }

    private static void assertContains(String output, String expected) {
        assertTrue(output.contains(expected), () -> "doctor output lacks '" + expected + "':\n" + output);
    }
}
