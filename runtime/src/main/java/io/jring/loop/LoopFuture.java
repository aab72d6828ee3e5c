package io.jring.loop;

import io.jring.op.RuntimeFuture;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A future the runtime hands out that is not one operation: a connection's close, an accept
 * served by whichever loop takes the connection, a listener's close. Users cannot complete it
 * ({@link RuntimeFuture}); the runtime does, through {@link #succeed} and {@link #fail}.
 */
public final class LoopFuture<T> extends RuntimeFuture<T> {
    // Who completes it: join()/get() there would wait on itself. Two fields rather than a
    // one-element list, so a connection's close future costs no extra object.
    /** The one loop that completes it, or null. */
    private final EventLoop loop;
    /** Or any of these (an accept served by whichever loop takes the connection). */
    private final List<EventLoop> anyOf;

    LoopFuture(EventLoop loop) {
        this.loop = loop;
        this.anyOf = List.of();
    }

    LoopFuture(List<EventLoop> anyOf) {
        this.loop = null;
        this.anyOf = anyOf;
    }

    /** An already failed future, for calls refused before any loop took them. */
    public static <T> CompletableFuture<T> failed(Throwable cause) {
        LoopFuture<T> future = new LoopFuture<>(List.of());
        future.fail(cause);
        return future;
    }

    static <T> LoopFuture<T> completed(T value) {
        LoopFuture<T> future = new LoopFuture<>(List.of());
        future.succeed(value);
        return future;
    }

    /** Completes when every one of {@code parts} has; fails with the first failure once all are done. */
    static LoopFuture<Void> whenAll(List<EventLoop> anyOf, List<? extends CompletableFuture<?>> parts) {
        LoopFuture<Void> all = new LoopFuture<>(anyOf);
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            if (error == null) {
                all.succeed(null);
            } else {
                all.fail(error);
            }
        });
        return all;
    }

    boolean succeed(T value) {
        return settle(value);
    }

    boolean fail(Throwable cause) {
        return settleExceptionally(cause);
    }

    @Override
    protected boolean onCompletingLoop() {
        if (loop != null) {
            return loop.inLoop();
        }
        for (EventLoop candidate : anyOf) {
            if (candidate.inLoop()) {
                return true;
            }
        }
        return false;
    }
}
