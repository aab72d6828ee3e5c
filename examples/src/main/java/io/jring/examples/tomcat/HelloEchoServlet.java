package io.jring.examples.tomcat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Plain blocking servlet code, nothing jring-specific: {@code GET /} answers
 * {@code Hello, World!}, {@code POST /echo} streams the request body back. Tomcat runs it on its
 * executor; the bytes move through whichever NIO.2 provider the JVM has.
 */
final class HelloEchoServlet extends HttpServlet {
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/".equals(request.getRequestURI())) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("text/plain");
        response.setContentLength(HELLO.length);
        response.getOutputStream().write(HELLO);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/echo".equals(request.getRequestURI())) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("application/octet-stream");
        long length = request.getContentLengthLong();
        if (length >= 0) {
            response.setContentLengthLong(length); // else (a chunked request) the answer is chunked too
        }
        // Streamed, not collected: a large body is answered while it still arrives. With a
        // Content-Length the copy stops at that count: Tomcat closes the request's stream once
        // a response of declared length is complete, so one more read would fail.
        InputStream in = request.getInputStream();
        OutputStream out = response.getOutputStream();
        byte[] chunk = new byte[16 * 1024];
        long copied = 0;
        int n;
        while ((length < 0 || copied < length) && (n = in.read(chunk)) >= 0) {
            out.write(chunk, 0, n);
            copied += n;
        }
    }
}
