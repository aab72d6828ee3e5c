package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A short wrk run, plain and pipelined, must end with every request answered and no socket error. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HttpWrkTest {
    private final HttpServers servers = new HttpServers();

    HttpWrkTest() throws Exception {}

    @AfterAll
    void stop() throws Exception {
        servers.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void wrkSeesNoErrors(String backend) throws Exception {
        String base = "http://127.0.0.1:" + servers.port(backend);
        Path pipeline = servers.base.resolve("pipeline.lua");
        Files.writeString(pipeline, """
                -- 16 requests per write, answers read in order: wrk's pipelining script
                init = function(args)
                  local r = {}
                  for i = 1, 16 do r[i] = wrk.format(nil, i % 2 == 0 and "/json" or "/") end
                  req = table.concat(r)
                end
                request = function() return req end
                """);
        assertClean(wrk("-t1", "-c32", "-d2s", base + "/"));
        assertClean(wrk("-t1", "-c32", "-d2s", "-s", pipeline.toString(), base + "/"));
        assertClean(wrk("-t1", "-c4", "-d1s", base + "/data.bin"));
    }

    static void assertClean(String report) {
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(report);
        assertTrue(m.find(), report);
        assertTrue(Long.parseLong(m.group(1)) > 100, report);
        assertFalse(report.contains("Socket errors"), report);
        assertFalse(report.contains("Non-2xx"), report);
    }

    static String wrk(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("wrk is not installed: apt-get install wrk (" + e.getMessage() + ")", e);
        }
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("wrk did not finish: " + out);
        }
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
