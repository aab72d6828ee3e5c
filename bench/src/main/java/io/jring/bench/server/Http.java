package io.jring.bench.server;

import java.nio.charset.StandardCharsets;

/**
 * The http workload every bench server implements the same minimal way: each request ends at
 * its first CRLFCRLF (GET has no body), each is answered in order with the same 200, and the
 * connection stays open. No routing, no header parsing: the comparison is of I/O, not of HTTP
 * libraries.
 */
public final class Http {
    /** What every server answers to {@code GET /}. */
    public static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 13\r\n"
            + "\r\n"
            + "Hello, World!").getBytes(StandardCharsets.US_ASCII);

    /**
     * Finds request ends across reads. {@code state} is how much of CRLFCRLF the previous bytes
     * matched (0..3); {@link #advance} returns the next state, or {@link #COMPLETE} when a
     * request just ended (the caller counts it and carries on from state 0).
     */
    public static final int COMPLETE = 4;

    public static int advance(int state, byte b) {
        if (b == '\r') {
            return state == 2 ? 3 : 1;
        }
        if (b == '\n') {
            return state == 1 ? 2 : state == 3 ? COMPLETE : 0;
        }
        return 0;
    }

    /** A matcher that remembers its state between reads of one connection. */
    public static final class RequestCounter {
        private int state;

        /** Feeds one byte; true when it ended a request. */
        public boolean feed(byte b) {
            state = advance(state, b);
            if (state == COMPLETE) {
                state = 0;
                return true;
            }
            return false;
        }

        public int state() {
            return state;
        }
    }

    private Http() {}
}
