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
    /** The loops that may complete it: join()/get() on one of them would wait on itself. */
    private final List<EventLoop> completers;

    LoopFuture(EventLoop loop) {
        this(List.of(loop));
    }

    LoopFuture(List<EventLoop> completers) {
        this.completers = completers;
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
    static LoopFuture<Void> whenAll(List<EventLoop> completers, List<? extends CompletableFuture<?>> parts) {
        LoopFuture<Void> all = new LoopFuture<>(completers);
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
        for (EventLoop loop : completers) {
            if (loop.inLoop()) {
                return true;
            }
        }
        return false;
    }
}
