package io.jring.select;

import io.jring.Backend;
import java.util.Optional;

/** The backend a runtime will run, and why it is not io_uring when it is not. */
public record BackendChoice(Backend backend, Optional<String> reason) {
    /** {@code io_uring} or {@code epoll (reason: ...)}: the line {@code doctor} prints after "backend: ". */
    public String describe() {
        return backend.label() + reason.map(r -> " (reason: " + r + ")").orElse("");
    }
}
