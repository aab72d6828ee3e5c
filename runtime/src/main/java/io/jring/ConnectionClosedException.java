package io.jring;

import java.io.IOException;

/** An operation could not run, or was stopped, because its connection or runtime was closed locally. */
public class ConnectionClosedException extends IOException {
    /**
     * An operation stopped by a local close.
     *
     * @param message which operation, and what was closed
     */
    public ConnectionClosedException(String message) {
        super(message);
    }
}
