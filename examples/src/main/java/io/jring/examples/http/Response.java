package io.jring.examples.http;

import io.jring.IoBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A response to write: status, content type, body and any extra header lines. The body's
 * length is known up front, so every response carries Content-Length and the connection can
 * stay open after it.
 *
 * @param headOnly   answer to HEAD: the same headers, no body
 * @param connection the Connection header to send ({@code close}, {@code keep-alive}) or null
 */
record Response(int status, String contentType, Body body, List<String> extraHeaders, boolean headOnly,
                String connection) {

    /** What follows the header block. */
    sealed interface Body {
        long length();

        /** Gives back what the body holds if it will never be written (the connection closed). */
        default void release() {}
    }

    /** Bytes known in advance (a constant page, an error message). */
    record Bytes(byte[] data) implements Body {
        public long length() {
            return data.length;
        }
    }

    /** Pooled blocks that change hands: the echo route sends back the request's own body blocks. */
    record Buffers(List<IoBuffer> blocks, long length) implements Body {
        public void release() {
            blocks.forEach(IoBuffer::release);
            blocks.clear();
        }
    }

    /** A file, read into pooled blocks only as the output has room for it. */
    /** A file, sent with {@code Connection.sendFile} from the {@code AsyncFile} that {@code opener} opens. */
    record FileBody(Path path, long length,
                    java.util.function.Function<Path, java.util.concurrent.CompletableFuture<io.jring.AsyncFile>> opener)
            implements Body {}

    static Response of(int status, String contentType, Body body) {
        return new Response(status, contentType, body, List.of(), false, null);
    }

    static Response text(int status, String text) {
        return of(status, "text/plain; charset=utf-8", new Bytes(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** An error page: the status line repeated, and the reason, for people reading it in curl. */
    static Response error(int status, String detail) {
        return text(status, status + " " + reason(status) + (detail == null ? "" : ": " + detail) + "\n");
    }

    Response withHeader(String line) {
        List<String> more = new java.util.ArrayList<>(extraHeaders);
        more.add(line);
        return new Response(status, contentType, body, List.copyOf(more), headOnly, connection);
    }

    Response asHead() {
        body.release();
        return new Response(status, contentType, body, extraHeaders, true, connection);
    }

    Response withConnection(String value) {
        return new Response(status, contentType, body, extraHeaders, headOnly, value);
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 417 -> "Expectation Failed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }
}
