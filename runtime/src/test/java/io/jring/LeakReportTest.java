package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A buffer collected without release() is reported with the place it was handed out, and
 * IoRuntime.close() reports buffers still held; a buffer used after its runtime closed is
 * refused rather than touching freed memory; the leak is also a jring.BufferLeak JFR event. A child JVM, because the mode is read once per process.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public class LeakReportTest {
    /** The backend the child runs on; the epoll module's subclass says EPOLL. */
    protected Backend backend() {
        return Backend.IO_URING;
    }

    @Test
    void leaksAreReportedWithWhereTheBufferWasHandedOut() throws Exception {
        String backend = backend().name();
        Path err = Files.createTempFile("jring-leak-", ".stderr");
        Path recording = Files.createTempFile("jring-leak-", ".jfr");
        try {
            Process process = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-Djring.leakDetection=full",
                    "-cp", System.getProperty("java.class.path"), LeakReportMain.class.getName(), backend,
                    recording.toString()))
                    .redirectError(err.toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "child did not exit");
            String log = Files.readString(err);
            assertEquals(0, process.exitValue(), () -> out + log);
            assertTrue(out.contains("done"), out);

            int leak = log.indexOf("LEAK: an IoBuffer was garbage-collected without release()");
            assertTrue(leak >= 0, () -> "no leak report:\n" + log);
            assertTrue(log.indexOf("dropWithoutRelease", leak) > 0, () -> "the report must show where:\n" + log);

            // 2: the one still held, and the leaked one, which never went back to the pool
            int held = log.indexOf("IoRuntime closed with 2 buffer(s) never released");
            assertTrue(held >= 0, () -> "no report at close:\n" + log);
            assertTrue(log.indexOf("keepPastClose", held) > 0, () -> "the close report must show where:\n" + log);
            assertTrue(out.contains("use after close: refused"), out);

            // The same leak as a JFR event, with the same stack.
            List<RecordedEvent> leaks = RecordingFile.readAllEvents(recording).stream()
                    .filter(e -> e.getEventType().getName().equals("jring.BufferLeak")).toList();
            assertEquals(1, leaks.size(), () -> "one jring.BufferLeak: " + leaks);
            String stack = leaks.getFirst().getString("stack");
            assertTrue(stack.contains("dropWithoutRelease"), () -> "the event must show where: " + stack);
        } finally {
            Files.deleteIfExists(err);
            Files.deleteIfExists(recording);
        }
    }
}
