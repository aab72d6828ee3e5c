package io.jring.diag;

import io.jring.AbstractUnixAddress;
import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.Listener;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The doctor's {@code unix sockets} line: not assumed but tried, with one byte through a
 * loopback AF_UNIX connection of the runtime just opened, on a path name (in a fresh temporary
 * directory) and on an abstract name.
 */
final class UnixSocketCheck {
    private UnixSocketCheck() {}

    static String run(IoRuntime runtime) {
        List<String> works = new ArrayList<>();
        List<String> fails = new ArrayList<>();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("jring-doctor");
            tryOne(runtime, UnixDomainSocketAddress.of(dir.resolve("d.sock")), "path names", works, fails);
        } catch (Exception e) {
            fails.add("path names (" + e.getMessage() + ")");
        } finally {
            deleteQuietly(dir);
        }
        tryOne(runtime, AbstractUnixAddress.of("jring-doctor-" + ProcessHandle.current().pid()), "abstract names",
                works, fails);
        if (fails.isEmpty()) {
            return "supported (" + String.join(" and ", works) + ": a loopback AF_UNIX byte came through)";
        }
        return (works.isEmpty() ? "not working: " : "partly: " + String.join(", ", works) + " work; ")
                + String.join(", ", fails) + " failed";
    }

    private static void tryOne(IoRuntime runtime, SocketAddress address, String kind, List<String> works,
                               List<String> fails) {
        try {
            Listener listener = runtime.listen(address);
            try {
                listener.onAccept(connection -> connection.send(new byte[] {42}).whenComplete((ok, e) -> connection.close()));
                Connection client = runtime.connect(address, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                IoBuffer got = client.recv(Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                boolean right = !got.isEndOfStream() && got.readableBytes() == 1 && got.getByte(got.readerIndex()) == 42;
                got.release();
                client.close();
                (right ? works : fails).add(kind);
            } finally {
                listener.close().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            fails.add(kind + " (" + e.getMessage() + ")");
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (Exception ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
