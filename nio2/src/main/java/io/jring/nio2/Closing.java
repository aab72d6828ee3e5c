package io.jring.nio2;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits, bounded, for jring to close a descriptor, so close() returns once it is closed, as the JDK's does. */
final class Closing {
    private static final System.Logger LOG = System.getLogger("io.jring.nio2");
    private static final long WAIT_SECONDS = 10;
    /** How long a closed channel's queued writes may take to go out before the connection is reset. */
    static final long DRAIN_SECONDS = 30;

    private Closing() {}

    static void await(CompletableFuture<Void> closed, String what) {
        try {
            closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + what + " failed", e.getCause());
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + what + " took more than " + WAIT_SECONDS
                    + " s; close() returns, the descriptor closes when jring's loop gets to it");
        } catch (IllegalStateException e) {
            // jring refuses a wait on the loop thread that must complete it: do not wait there
        }
    }
}
