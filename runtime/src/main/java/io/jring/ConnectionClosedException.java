package io.jring;

import java.io.IOException;

/** An operation could not run, or was stopped, because its connection or runtime was closed locally. */
public class ConnectionClosedException extends IOException {
    public ConnectionClosedException(String message) {
        super(message);
    }
}
