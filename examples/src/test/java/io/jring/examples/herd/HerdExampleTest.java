package io.jring.examples.herd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.examples.ExampleProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The herd example as a user runs it: a complete table, with only what the kernel guarantees
 * asserted. Every connection is accepted exactly once and epoll_wait returns to at least the
 * thread that accepts it; where each listening socket has its own epoll instance and thread
 * (SO_REUSEPORT, 8 and 8) no second thread can ever wake; and one socket watched by eight
 * instances without EPOLLEXCLUSIVE wakes a thread in each (epoll(7): "all epoll file
 * descriptors receive an event"). How many threads the shared-queue rows wake depends on
 * scheduling and is only checked to be within 1 to 8.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HerdExampleTest {
    private static final String MAIN = "io.jring.examples.herd.Herd";
    private static final int CONNECTIONS = 25;
    /** A measured range, then the article's figure in parentheses if the row has one. */
    private static final Pattern FIGURE = Pattern.compile("(\\d+)(?:-(\\d+))?(?: \\((.+)\\))?");

    @Test
    void printsACompleteTable() throws Exception {
        String output;
        try (ExampleProcess herd = ExampleProcess.start(MAIN, List.of(), Map.of(),
                "--connections", Integer.toString(CONNECTIONS), "--warmup", "50")) {
            String ready = herd.awaitLine("backend=", Duration.ofSeconds(30));
            assertTrue(ready.contains("backend=epoll"), ready);
            output = herd.awaitExit(Duration.ofMinutes(2));
            assertEquals(0, herd.exitValue(), output);
        }
        List<Map<String, String>> rows = table(output);
        List<String> wiring = rows.stream()
                .map(r -> r.get("EPOLLEXCLUSIVE") + " " + r.get("reuse_port") + " " + r.get("sockets") + " " + r.get("epolls"))
                .toList();
        assertEquals(List.of("no no 1 1", "no no 1 8", "no yes 8 1", "no yes 8 8", "yes no 1 1", "yes no 1 8",
                "yes yes 8 1", "yes yes 8 8"), wiring, output);
        List<String> articleWoken = List.of("1-2", "3-8", "1-2", "1", "1-2", "1");
        List<String> articleNoHerd = List.of("no", "no", "no", "yes", "no", "yes");
        for (int r = 0; r < rows.size(); r++) {
            Map<String, String> row = rows.get(r);
            String name = "row " + row.get("row") + " in\n" + output;
            assertEquals("8", row.get("threads"), name);
            Matcher accepts = figure(row.get("accept (article)"), name);
            assertEquals("1", accepts.group(1), "every connection accepted exactly once: " + name);
            assertNull(accepts.group(2), "every connection accepted exactly once: " + name);
            int[] woken = range(row.get("woken"), name);
            int[] returned = range(row.get("returned (article: woken)"), name);
            assertTrue(woken[0] >= 1 && woken[1] <= 8, name);
            assertTrue(returned[0] >= 1 && returned[1] <= 8, "epoll_wait returns to the accepting thread: " + name);
            assertEquals(Double.parseDouble(row.get("returned mean")) - 1, Double.parseDouble(row.get("EAGAIN mean")),
                    1e-9, "every thread returned to but the acceptor finds the queue empty: " + name);
            if (r < articleWoken.size()) {
                assertEquals(Integer.toString(r + 1), row.get("row"), name);
                assertEquals(articleWoken.get(r), figure(row.get("returned (article: woken)"), name).group(3), name);
                assertEquals("1", accepts.group(3), name);
                assertTrue(row.get("no herd (article)").endsWith("(" + articleNoHerd.get(r) + ")"), name);
            } else {
                assertEquals((r + 1) + "*", row.get("row"), name);
                assertTrue(row.values().stream().noneMatch(cell -> cell.contains("(")), "not in the article: " + name);
            }
        }
        for (int reusePortEightByEight : new int[] {3, 7}) {
            Map<String, String> row = rows.get(reusePortEightByEight);
            String name = "row " + row.get("row") + " in\n" + output;
            assertEquals("1", row.get("woken"), "one socket, one instance, one thread per connection: " + name);
            assertEquals(1, range(row.get("returned (article: woken)"), name)[1], name);
            assertTrue(row.get("no herd (article)").startsWith("yes"), name);
        }
        Map<String, String> sharedSocketEightInstances = rows.get(1);
        assertTrue(range(sharedSocketEightInstances.get("woken"), output)[1] >= 2,
                "without EPOLLEXCLUSIVE every instance watching the socket wakes its thread:\n" + output);
        assertTrue(sharedSocketEightInstances.get("no herd (article)").startsWith("no"), output);
        assertFalse(output.contains("warning:"), output);
    }

    @ParameterizedTest
    @CsvSource({
            "--connections, zero, --connections takes a number",
            "--connections, 0, --connections must be between 1 and 10000",
            "--rows, some, --rows takes all or article",
            "--threads, 8, unknown option --threads"})
    void badArgumentsEndWithOneReadableLine(String flag, String value, String message) throws Exception {
        try (ExampleProcess herd = ExampleProcess.start(MAIN, List.of(), Map.of(), flag, value)) {
            String output = herd.awaitExit(Duration.ofSeconds(30));
            assertEquals(1, herd.exitValue(), output);
            assertEquals(1, output.strip().lines().count(), output);
            assertTrue(output.startsWith("herd: ") && output.contains(message), output);
        }
    }

    /** The Markdown table's rows, each as column name to cell. */
    private static List<Map<String, String>> table(String output) {
        List<String> lines = output.lines().filter(l -> l.startsWith("|")).toList();
        assertTrue(lines.size() > 2 && lines.get(1).startsWith("| ---"), output);
        List<String> header = cells(lines.getFirst());
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(2, lines.size())) {
            List<String> cells = cells(line);
            assertEquals(header.size(), cells.size(), line);
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                row.put(header.get(c), cells.get(c));
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.lastIndexOf('|'));
        return Arrays.stream(inner.split("\\|")).map(String::strip).toList();
    }

    private static Matcher figure(String cell, String context) {
        Matcher m = FIGURE.matcher(cell);
        assertTrue(m.matches(), "'" + cell + "' is not a figure: " + context);
        return m;
    }

    /** "2-5 (1-2)" → {2, 5}. */
    private static int[] range(String cell, String context) {
        Matcher m = figure(cell, context);
        int low = Integer.parseInt(m.group(1));
        int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
        assertTrue(low <= high, cell);
        return new int[] {low, high};
    }
}
