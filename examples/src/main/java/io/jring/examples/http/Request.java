package io.jring.examples.http;

import io.jring.IoBuffer;
import java.util.List;

/**
 * One parsed request. The body is the chain of pooled blocks it arrived in; whoever takes the
 * request owns them and must release them (or hand them to a send, which releases them).
 *
 * @param path      the target up to {@code ?}, still percent-encoded
 * @param headers   in arrival order, names lower-cased
 * @param keepAlive whether the connection may carry another request after this one
 */
record Request(String method, String target, String path, boolean http11, List<Header> headers,
               boolean keepAlive, List<IoBuffer> body, long bodyLength) {

    record Header(String name, String value) {}

    /** The first value of header {@code name} (lower-case), or null. */
    String header(String name) {
        for (Header h : headers) {
            if (h.name().equals(name)) {
                return h.value();
            }
        }
        return null;
    }

    void releaseBody() {
        body.forEach(IoBuffer::release);
        body.clear();
    }
}
