package io.jring.examples.http;

/**
 * A request the server refuses: the status to answer with and a line saying why. The connection
 * is closed after the answer, because after bad framing nobody can tell where the next request
 * would start.
 */
final class HttpError extends Exception {
    private final int status;

    HttpError(int status, String reason) {
        super(reason, null, false, false); // expected input, not a bug: no stack trace to fill
        this.status = status;
    }

    int status() {
        return status;
    }
}
