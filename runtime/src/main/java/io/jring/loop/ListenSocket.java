package io.jring.loop;

import io.jring.Backend;
import io.jring.bindings.LibC;
import io.jring.op.Op;
import io.jring.op.Pausable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loop's view of a listening socket and the accepts it runs there.
 *
 * <p><b>Accepting through a shortage.</b> An accept that meets EMFILE, ENFILE, ENOBUFS or
 * ENOMEM pauses ({@link Pausable}): the driver is done with it, its future stays pending, and
 * it waits here until a loop timer fires; then it is submitted again, so accept4 (or the
 * io_uring accept, multishot again) really runs again: no readiness event would come for
 * connections that already wait in the backlog. The pause starts at 10 ms and doubles up to
 * 1 s while retries fail, and starts over after a connection is accepted. While paused an
 * accept still counts as running here, so the listener only closes once it has ended; its
 * deadline (an {@code accept(timeout)}) and a user's cancel still end it.
 */
final class ListenSocket extends OpSet {
    static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    static {
        // A pause comes when no descriptor is free, and loading a class (from a directory on the
        // classpath, or a jar not yet opened) needs one: load what a pause runs now.
        LoopTimer.load();
    }

    final int fd;
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Loops still using {@link #fd}: a shared socket is closed when the last one is done. */
    private final AtomicInteger users;
    private final AcceptEpisodes episodes;
    private final Backoff backoff = new Backoff(FIRST_RETRY_NANOS, MAX_RETRY_NANOS);
    /** Accepts waiting for {@link #retry} (loop thread). */
    private final List<Op<?>> paused = new ArrayList<>();
    private LoopTimer retry;

    ListenSocket(EventLoop loop, int fd, AtomicInteger users, AcceptEpisodes episodes) {
        super(loop, "listener");
        this.fd = fd;
        this.users = users;
        this.episodes = episodes;
    }

    /** A connection was accepted on this socket (loop thread): a shortage, if there was one, is over. */
    void accepted() {
        if (backoff.backingOff()) {
            backoff.reset();
            episodes.resumed();
        }
    }

    @Override
    public void opFinished(Op<?> op) {
        if (!op.isDone() && op instanceof Pausable pausable && pausable.pausedBy() != 0) {
            pause(op, pausable.pausedBy());
            return; // still running, as far as closing is concerned
        }
        if (op.isDone() && !op.isCompletedExceptionally()) {
            accepted(); // a single accept delivered its connection
        }
        super.opFinished(op);
    }

    private void pause(Op<?> op, int errno) {
        episodes.paused(loop.driver().backend() == Backend.IO_URING ? "io_uring accept" : "accept4",
                errno, FIRST_RETRY_NANOS, MAX_RETRY_NANOS);
        paused.add(op);
        loop.watchDeadline(op); // an accept(timeout) still times out while it waits here
        if (retry == null) {
            retry = new LoopTimer(loop, backoff.next(), this::retryPaused);
            retry.start();
        }
    }

    /** The pause is over: submit every paused accept again; one that meets the shortage again pauses again. */
    private void retryPaused() {
        retry = null;
        episodes.retried();
        List<Op<?>> again = new ArrayList<>(paused);
        paused.clear();
        for (Op<?> op : again) {
            if (op.isDone()) {
                loop.endWaiting(op); // cancelled by the user; the cancel itself is still on its way
            } else {
                loop.unwatchDeadline(op);
                loop.driver().submit(op);
            }
        }
    }

    @Override
    public void deadlinePassed(Op<?> op) {
        if (paused.remove(op)) {
            loop.endWaiting(op); // a TimeoutException, as if the kernel had timed it out
        }
    }

    @Override
    public void cancelledWhileWaiting(Op<?> op) {
        if (paused.remove(op)) {
            loop.endWaiting(op);
        }
    }

    /** Paused accepts are not in the driver, so nothing would cancel them there: end them here first. */
    @Override
    void beginClose() {
        if (retry != null) {
            retry.stop();
            retry = null;
        }
        List<Op<?>> ending = new ArrayList<>(paused);
        paused.clear();
        for (Op<?> op : ending) {
            loop.unwatchDeadline(op);
            EventLoop.abandon(op, "listener closed");
        }
        super.beginClose();
    }

    /**
     * No accept of this loop is left on {@link #fd}: this loop's driver forgets it now, and
     * only then does this loop give up its share. A shared socket is closed by whichever
     * loop gives up the last share, so every driver that may hold a registration for the
     * number has been told before the number can be reused.
     */
    @Override
    void drained() {
        super.drained();
        if (!closed.isDone()) {
            loop.closingDescriptor(fd);
            if (users.decrementAndGet() == 0) {
                LibC.close(fd);
            }
            closed.complete(null);
        }
    }
}
