package io.jring.loop;

import io.jring.Backend;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.op.AcceptOp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loop's view of a listening socket and the accepts it runs there.
 *
 * <p><b>Accepting through a shortage.</b> An accept op that fails with EMFILE, ENFILE, ENOBUFS
 * or ENOMEM has ended like any op (once, its future done); the listener then asks for a
 * {@link #retryLater}, and after a pause on a loop timer a new op runs accept4 (or the io_uring
 * accept, multishot again) for real: no readiness event would come for connections that
 * already wait in the backlog. The pause starts at 10 ms and doubles up to 1 s while retries
 * fail, and starts over once a connection is accepted. Nothing of a pause is in the kernel,
 * so closing the socket only stops the timer and tells whoever waited.
 */
final class ListenSocket extends OpSet {
    static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    static {
        // A pause comes when no descriptor is free, and loading a class (from a directory on the
        // classpath, or a jar not yet opened) needs one: load what a pause runs now.
        LoopTimer.load();
        new NativeIoException("accept", Errno.EMFILE).getMessage(); // the error and its advice table
    }

    final int fd;
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Loops still using {@link #fd}: a shared socket is closed when the last one is done. */
    private final AtomicInteger users;
    private final AcceptEpisodes episodes;
    private final Backoff backoff = new Backoff(FIRST_RETRY_NANOS, MAX_RETRY_NANOS);
    /** What to run when {@link #timer} fires, and instead if the socket closes first (loop thread). */
    private final List<Runnable> retries = new ArrayList<>();
    private final List<Runnable> closedInstead = new ArrayList<>();
    private LoopTimer timer;

    /** Runs after the last share closed {@link #fd}: removes a Unix listener's socket file. */
    private final Runnable afterLastClose;

    ListenSocket(EventLoop loop, int fd, AtomicInteger users, AcceptEpisodes episodes, Runnable afterLastClose) {
        super(loop, "listener");
        this.fd = fd;
        this.users = users;
        this.episodes = episodes;
        this.afterLastClose = afterLastClose;
    }

    /** The errno if {@code error} is a shortage that accepting waits out, else 0. */
    static int shortage(Throwable error) {
        return error instanceof NativeIoException e && AcceptOp.outOfResources(e.errno()) ? e.errno() : 0;
    }

    /**
     * An accept on this socket failed for {@code errno} (a {@link #shortage}): runs {@code retry}
     * on this loop after the next pause, or {@code ifClosed} instead if the socket closes first
     * (or has closed already). Every retry asked for during one pause runs when it ends.
     */
    void retryLater(int errno, Runnable retry, Runnable ifClosed) {
        loop.run(() -> {
            if (isClosing()) {
                ifClosed.run();
                return;
            }
            episodes.paused(loop.driver().backend() == Backend.IO_URING ? "io_uring accept" : "accept4",
                    errno, FIRST_RETRY_NANOS, MAX_RETRY_NANOS);
            retries.add(retry);
            closedInstead.add(ifClosed);
            if (timer == null) {
                timer = new LoopTimer(loop, backoff.next(), this::retryNow);
                timer.start();
            }
        });
    }

    private void retryNow() {
        timer = null;
        episodes.retried();
        List<Runnable> due = new ArrayList<>(retries);
        retries.clear();
        closedInstead.clear();
        due.forEach(Runnable::run); // each starts a new accept op; one that meets the shortage again asks again
    }

    /** A connection was accepted on this socket: a shortage, if there was one, is over. */
    void accepted() {
        if (!loop.inLoop()) {
            loop.execute(this::accepted); // a stage attached after the op completed runs on its caller
            return;
        }
        if (backoff.backingOff()) {
            backoff.reset();
            episodes.resumed();
        }
    }

    @Override
    void beginClose() {
        if (timer != null) {
            timer.stop();
            timer = null;
        }
        List<Runnable> told = new ArrayList<>(closedInstead);
        retries.clear();
        closedInstead.clear();
        super.beginClose();
        told.forEach(Runnable::run);
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
                afterLastClose.run();
            }
            closed.complete(null);
        }
    }
}
