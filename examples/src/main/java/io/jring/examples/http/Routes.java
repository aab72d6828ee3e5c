package io.jring.examples.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * What the server answers: {@code GET /}, {@code GET /json}, {@code POST /echo}, and with a
 * root directory, static files. Runs on the loop thread, so nothing here may wait on anything
 * slower than the page cache.
 */
final class Routes {
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final byte[] JSON = "{\"message\":\"Hello, World!\"}".getBytes(StandardCharsets.UTF_8);
    private static final String TEXT = "text/plain; charset=utf-8";

    private final StaticFiles files;

    /** {@code files} may be null: no static files. */
    Routes(StaticFiles files) {
        this.files = files;
    }

    /** The response to {@code request}; its body blocks are released or passed on to the response. */
    Response respond(Request request) throws IOException {
        try {
            return switch (request.path()) {
                case "/" -> readOnly(request, Response.of(200, TEXT, new Response.Bytes(HELLO)));
                case "/json" -> readOnly(request, Response.of(200, "application/json", new Response.Bytes(JSON)));
                case "/echo" -> echo(request);
                default -> files == null ? Response.error(404, null) : file(request);
            };
        } finally {
            request.releaseBody();
        }
    }

    /** The request body goes back in the blocks it came in: no copy. */
    private static Response echo(Request request) {
        if (!request.method().equals("POST")) {
            return Response.error(405, "use POST").withHeader("Allow: POST");
        }
        var blocks = new ArrayList<>(request.body());
        request.body().clear();
        return Response.of(200, "application/octet-stream", new Response.Buffers(blocks, request.bodyLength()));
    }

    private Response file(Request request) throws IOException {
        return switch (files.find(request.path())) {
            case StaticFiles.Refused refused -> Response.error(refused.status(), refused.why());
            case StaticFiles.Found found -> readOnly(request,
                    Response.of(200, found.contentType(), new Response.FileBody(found.file(), found.size(), files::open)));
        };
    }

    /** GET and HEAD get {@code ok}; any other method is a 405 naming the allowed ones. */
    private static Response readOnly(Request request, Response ok) {
        return switch (request.method()) {
            case "GET", "HEAD" -> ok; // the connection strips the body for HEAD
            default -> Response.error(405, "use GET or HEAD").withHeader("Allow: GET, HEAD");
        };
    }
}
