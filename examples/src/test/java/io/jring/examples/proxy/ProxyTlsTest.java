package io.jring.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The proxy terminating TLS ({@code --tls}) in front of the plain http example, on both backends. */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxyTlsTest {
    @TempDir
    Path files;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void httpsInPlaintextUpstream(String backend) throws Exception {
        try (RunningExample upstream = RunningExample.start(RunningExample.HTTP, backend, "--max-body",
                Integer.toString(11 << 20));
             RunningExample proxy = RunningExample.proxy(backend, upstream.port(), "--tls")) {
            String url = "https://127.0.0.1:" + proxy.port();
            assertEquals("Hello, World!", new String(curl("-k", url + "/"), StandardCharsets.UTF_8));
            byte[] body = new byte[10 << 20];
            new Random(10).nextBytes(body);
            Path file = Files.write(files.resolve("body.bin"), body);
            assertArrayEquals(body, curl("-k", "--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream",
                    url + "/echo"));
        }
    }

    private static byte[] curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "30"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish");
        }
        assertEquals(0, process.exitValue(), command + " failed");
        return out;
    }
}
