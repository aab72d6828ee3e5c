package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool cannot be registered when pinned memory counts against a small RLIMIT_MEMLOCK (a
 * user without CAP_IPC_LOCK, as in most containers): io_uring must still run, on unregistered
 * buffers, say so in its description, and warn once per process, not once per loop.
 *
 * <p>A child JVM runs under {@code prlimit --memlock=64KiB}; as root it also drops CAP_IPC_LOCK
 * with {@code setpriv}, since root's capability would lift the limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistrationRefusedTest {

    /** 1 MiB: room for the rings of two loops, not for their 8 MiB pools. */
    @Test
    void aSmallMemlockLimitRunsUnregisteredAndWarnsOnce() throws Exception {
        Child child = runUnderMemlock(1 << 20);
        assertEquals(0, child.status, () -> "child failed:\n" + child.out + child.err);
        List<String> loops = child.out.lines().filter(l -> l.startsWith("loop: ")).toList();
        assertEquals(2, loops.size(), child.out);
        for (String loop : loops) {
            assertTrue(loop.contains("io_uring") && loop.contains("fixed-buffers=off (io_uring_register_buffers: ENOMEM)"), loop);
        }
        assertTrue(child.out.contains("echo: unregistered"), child.out);
        assertTrue(child.out.contains("buffers in use after close: 0"), child.out);
        long warnings = child.err.lines().filter(l -> l.contains("io_uring_register_buffers")).count();
        assertEquals(1, warnings, () -> "expected one warning for two loops:\n" + child.err);
        assertTrue(child.err.contains("RLIMIT_MEMLOCK"), () -> "the warning should say what to raise:\n" + child.err);
    }

    /**
     * 64 KiB. Where the kernel counts ring memory against the limit (before 5.12, and again on
     * recent kernels such as this machine's 6.18) not even a ring fits, and the error must name
     * the limit rather than claim the kernel ran out of memory; elsewhere the rings fit and the
     * runtime runs unregistered as above.
     */
    @Test
    void aTinyMemlockLimitFailsNamingTheLimitOrRunsUnregistered() throws Exception {
        Child child = runUnderMemlock(64 << 10);
        if (child.status == 0) {
            assertTrue(child.out.contains("fixed-buffers=off (io_uring_register_buffers: ENOMEM)"), child.out);
            assertTrue(child.out.contains("echo: unregistered"), child.out);
        } else {
            assertTrue(child.err.contains("io_uring_queue_init_params: ENOMEM") && child.err.contains("RLIMIT_MEMLOCK")
                    && child.err.contains("ulimit -l"), () -> "status " + child.status + ":\n" + child.out + child.err);
        }
    }

    private record Child(int status, String out, String err) {}

    private static Child runUnderMemlock(long bytes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", "--"));
        }
        command.addAll(List.of("prlimit", "--memlock=" + bytes + ":" + bytes, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), RegistrationRefusedMain.class.getName()));
        Path err = Files.createTempFile("jring-memlock-", ".stderr");
        try {
            Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "child did not exit");
            return new Child(process.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
