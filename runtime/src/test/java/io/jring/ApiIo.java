package io.jring;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Reading through the API under test: recv until a count or end of stream, releasing every buffer. */
final class ApiIo {
    private ApiIo() {}

    /** Copies a received buffer's readable bytes out and releases it. */
    static byte[] drain(IoBuffer buffer) {
        try {
            return buffer.toByteArray();
        } finally {
            buffer.release();
        }
    }

    /** Receives exactly {@code n} bytes (or fails on end of stream, an error, or {@code perRecv} without data). */
    static CompletableFuture<byte[]> readExactly(Connection connection, int n, Duration perRecv) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        readMore(connection, new byte[n], 0, perRecv, result);
        return result;
    }

    static CompletableFuture<byte[]> readExactly(Connection connection, int n) {
        return readExactly(connection, n, Duration.ofSeconds(30));
    }

    private static void readMore(Connection connection, byte[] into, int at, Duration perRecv,
                                 CompletableFuture<byte[]> result) {
        if (at == into.length) {
            result.complete(into);
            return;
        }
        connection.recv(perRecv).whenComplete((buffer, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            if (buffer.isEndOfStream()) {
                result.completeExceptionally(new EOFException("end of stream after " + at + " of " + into.length + " bytes"));
                return;
            }
            int got = buffer.readableBytes();
            if (at + got > into.length) {
                buffer.release();
                result.completeExceptionally(new AssertionError("received " + (at + got) + " bytes, expected only " + into.length));
                return;
            }
            buffer.readableSegment().asByteBuffer().get(into, at, got);
            buffer.release();
            readMore(connection, into, at + got, perRecv, result);
        });
    }

    /** Receives everything until END_OF_STREAM. */
    static CompletableFuture<byte[]> readToEnd(Connection connection) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        readToEnd(connection, new ByteArrayOutputStream(), result);
        return result;
    }

    private static void readToEnd(Connection connection, ByteArrayOutputStream all, CompletableFuture<byte[]> result) {
        connection.recv(Duration.ofSeconds(30)).whenComplete((buffer, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else if (buffer.isEndOfStream()) {
                result.complete(all.toByteArray());
            } else {
                all.writeBytes(drain(buffer));
                readToEnd(connection, all, result);
            }
        });
    }
}
