package io.jring.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./jring doctor --jfr} as a separate JVM on each backend: it must print the backend
 * event and one statistics line per loop, read back from the recording it made, with the echo
 * run's traffic and its four connections in them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DoctorJfrTest {
    private static final Pattern LOOP_LINE = Pattern.compile(
            "jfr jring\\.LoopStatistics: (jring-\\S+): sqes-submitted=(\\d+) cqes-reaped=(\\d+) enter-calls=(\\d+) .*connections=(\\d+)");
    private static final Pattern FILE = Pattern.compile("recorded in (\\S+\\.jfr)");

    @Test
    void recordsTheEchoRunOnIoUring() throws Exception {
        String output = doctorJfr(Map.of());
        assertTrue(output.contains("jfr jring.BackendSelected: runtime ") && output.contains(": io_uring, 2 loops, io_uring flags="),
                output);
        assertLoopLines(output, "io_uring");
    }

    @Test
    void recordsTheEchoRunOnEpoll() throws Exception {
        String output = doctorJfr(Map.of("JRING_BACKEND", "epoll"));
        assertTrue(output.contains(": epoll (reason: forced by JRING_BACKEND=epoll), 2 loops"), output);
        assertLoopLines(output, "epoll");
    }

    private static String doctorJfr(Map<String, String> env) throws Exception {
        try (ExampleProcess doctor = ExampleProcess.start("io.jring.diag.Doctor", List.of(), env, "--jfr")) {
            String output = doctor.awaitExit(Duration.ofSeconds(120));
            Matcher file = FILE.matcher(output);
            if (file.find()) {
                Files.deleteIfExists(Path.of(file.group(1)));
            }
            assertEquals(0, doctor.exitValue(), output);
            return output;
        }
    }

    /** Both loops, 400 round trips between them (a recv result and a send each), 4 connections. */
    private static void assertLoopLines(String output, String backend) {
        Matcher line = LOOP_LINE.matcher(output);
        int loops = 0;
        long completed = 0;
        int connections = 0;
        while (line.find()) {
            loops++;
            assertTrue(line.group(1).startsWith("jring-" + backend + "-"), line.group());
            assertTrue(Long.parseLong(line.group(2)) > 0 && Long.parseLong(line.group(4)) > 0, line.group());
            completed += Long.parseLong(line.group(3));
            connections += Integer.parseInt(line.group(5));
        }
        assertEquals(2, loops, output);
        assertTrue(completed >= 2 * 400, output);
        assertEquals(4, connections, output);
    }
}
