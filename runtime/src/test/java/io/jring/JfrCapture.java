package io.jring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * An in-process JFR recording of the jring events, read back with {@link RecordingFile} as any
 * tool would read a dump. {@code jring.LoopStatistics} is asked for at the end of the chunk, so
 * stopping the recording emits one per open loop: no waiting for a period to pass.
 */
final class JfrCapture implements AutoCloseable {
    private final Recording recording = new Recording();

    private JfrCapture() {}

    static JfrCapture start() {
        JfrCapture capture = new JfrCapture();
        capture.recording.enable("jring.LoopStatistics").with("period", "endChunk");
        capture.recording.enable("jring.BackendSelected");
        capture.recording.enable("jring.BlockedLoop");
        capture.recording.enable("jring.BufferLeak");
        capture.recording.start();
        return capture;
    }

    /** Stops the recording, dumps it to a file and reads every event back. */
    List<RecordedEvent> stopAndRead() throws IOException {
        recording.stop();
        Path file = Files.createTempFile("jring-", ".jfr");
        try {
            recording.dump(file);
            return RecordingFile.readAllEvents(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    @Override
    public void close() {
        recording.close();
    }
}
