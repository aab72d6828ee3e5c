package io.jring.diag;

import io.jring.Connection;
import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import io.jring.Listener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code ./jring doctor --jfr}: records the {@code jring.*} JFR events while an echo server runs
 * in this process under a little load from plain sockets, then reads the recording back with
 * {@link RecordingFile} and prints what it holds, as any JFR tool would see it. Only {@link
 * Doctor} calls it, and only once it has found the jdk.jfr module.
 */
final class JfrDoctor {
    private static final int CLIENTS = 4;
    private static final int ROUND_TRIPS = 100;
    private static final int MESSAGE = 64;

    private JfrDoctor() {}

    /** Prints each line through {@code line} (name, value); throws if the echo run failed. */
    static void run(BiConsumer<String, String> line) throws Exception {
        Path file = Files.createTempFile("jring-doctor-", ".jfr");
        try (Recording recording = new Recording()) {
            // At the end of the recording: one sample per loop with the run's totals.
            recording.enable("jring.LoopStatistics").with("period", "endChunk");
            recording.enable("jring.BackendSelected");
            recording.enable("jring.BlockedLoop");
            recording.enable("jring.BufferLeak");
            recording.start();
            try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2))) {
                Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
                listener.onAccept(JfrDoctor::echo);
                List<Socket> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < CLIENTS; i++) {
                        Socket client = new Socket();
                        clients.add(client);
                        client.setSoTimeout(10_000);
                        client.connect(listener.localAddress(), 10_000);
                    }
                    roundTrips(clients);
                    recording.stop(); // the connections are still open: the samples count them
                } finally {
                    for (Socket client : clients) {
                        client.close();
                    }
                }
            }
            recording.dump(file);
        }
        line.accept("jfr", CLIENTS * ROUND_TRIPS + " echo round trips of " + MESSAGE + " bytes over " + CLIENTS
                + " connections, recorded in " + file + " (see all: jfr print --events 'jring.*' " + file + ")");
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String name = event.getEventType().getName();
            switch (name) {
                case "jring.BackendSelected" -> line.accept("jfr " + name, "runtime " + event.getInt("runtime")
                        + ": " + event.getString("backend")
                        + (event.getString("fallbackReason").isEmpty() ? "" : " (reason: " + event.getString("fallbackReason") + ")")
                        + ", " + event.getInt("loops") + " loops, " + event.getString("settings"));
                case "jring.LoopStatistics" -> line.accept("jfr " + name, event.getString("loop")
                        + ": sqes-submitted=" + event.getLong("sqesSubmitted")
                        + " cqes-reaped=" + event.getLong("cqesReaped")
                        + " enter-calls=" + event.getLong("enterCalls")
                        + " cq-overflows=" + event.getLong("cqOverflows")
                        + " provided-buffer-shortages=" + event.getLong("providedBufferShortages")
                        + " pool-refusals=" + event.getLong("poolRefusals")
                        + " zero-copy-sends=" + event.getLong("zeroCopySends")
                        + " (copied " + event.getLong("zeroCopyCopied") + ")"
                        + " buffers-in-use=" + event.getInt("buffersInUse")
                        + " buffer-memory=" + event.getLong("bufferMemory") / 1024 + " KiB"
                        + " connections=" + event.getInt("connections"));
                case "jring.BlockedLoop" -> line.accept("jfr " + name, event.getString("loop") + " held for "
                        + event.getDuration("heldFor").toMillis() + " ms");
                case "jring.BufferLeak" -> line.accept("jfr " + name, "a buffer leaked; handed out at "
                        + event.getString("stack").lines().findFirst().orElse("?").trim());
                default -> { } // other runtimes' or the JDK's events: not ours to show
            }
        }
    }

    /** Each client sends a message and reads the echo back before the next, round robin. */
    private static void roundTrips(List<Socket> clients) throws IOException {
        byte[] message = new byte[MESSAGE];
        byte[] reply = new byte[MESSAGE];
        for (int i = 0; i < ROUND_TRIPS; i++) {
            for (Socket client : clients) {
                Arrays.fill(message, (byte) ('a' + i % 26));
                OutputStream out = client.getOutputStream();
                out.write(message);
                InputStream in = client.getInputStream();
                int read = 0;
                while (read < MESSAGE) {
                    int n = in.read(reply, read, MESSAGE - read);
                    if (n < 0) {
                        throw new IOException("the echo server closed a connection after " + read + " bytes");
                    }
                    read += n;
                }
                if (!Arrays.equals(message, reply)) {
                    throw new IOException("the echo server answered other bytes than it was sent");
                }
            }
        }
    }

    private static void echo(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                connection.close();
                return;
            }
            connection.send(buffer).whenComplete((ok, sendError) -> {
                if (sendError != null) {
                    connection.close();
                } else {
                    echo(connection);
                }
            });
        });
    }
}
