package io.jring.loop;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.ListenOptions;
import io.jring.Listener;
import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.net.Sockets;
import io.jring.op.AcceptOp;
import io.jring.op.AcceptStreamOp;
import io.jring.net.UnixAddresses;
import io.jring.net.UnixSocketFiles;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * With SO_REUSEPORT (the default) one listening socket per loop, all on one port: the kernel
 * hashes each new connection to one socket, so exactly one loop wakes for it. Without it, one
 * socket shared by every loop; the epoll driver then registers it with EPOLLEXCLUSIVE so that a
 * new connection wakes one loop, not all of them (the seed article's thundering-herd table).
 * A Unix listener is always that one shared socket (SO_REUSEPORT does not spread AF_UNIX, and a
 * path can be bound once): every loop accepts from it, so its connections are spread over the
 * loops by whichever loop the kernel wakes (io_uring's accept and EPOLLEXCLUSIVE both wake one).
 */
public final class TcpListener implements Listener {
    private final List<ListenSocket> sockets;
    private final SocketAddress localAddress;
    private final boolean unixDomain;
    /**
     * Connections accepted with no accept() waiting, the accept()s waiting, and which sockets
     * have an accept armed; all guarded by {@code unclaimed}'s lock.
     */
    private final ArrayDeque<Connection> unclaimed = new ArrayDeque<>();
    private final ArrayDeque<LoopFuture<Connection>> waiting = new ArrayDeque<>();
    private final boolean[] armed;
    private volatile boolean closing;

    private TcpListener(List<ListenSocket> sockets, SocketAddress localAddress) {
        this.sockets = sockets;
        this.localAddress = localAddress;
        this.unixDomain = UnixAddresses.isUnix(localAddress);
        this.armed = new boolean[sockets.size()];
    }

    public static TcpListener open(List<EventLoop> loops, SocketAddress address, ListenOptions options)
            throws NativeIoException {
        boolean unix = UnixAddresses.isUnix(address);
        boolean perLoop = options.reusePort() && !unix;
        int socketCount = perLoop ? loops.size() : 1;
        List<Integer> fds = new ArrayList<>();
        SocketAddress bound = address;
        try {
            for (int i = 0; i < socketCount; i++) {
                // The first bind may pick an ephemeral port; the others must join that port.
                int fd = Sockets.listen(bound, options);
                fds.add(fd);
                if (i == 0 && !unix) {
                    bound = new InetSocketAddress(((InetSocketAddress) address).getAddress(), Sockets.localPort(fd));
                }
            }
        } catch (NativeIoException | RuntimeException e) {
            fds.forEach(LibC::close);
            throw e;
        }
        // Taken now, while the file is surely the one this bind made (see UnixSocketFiles).
        Object socketFile = UnixSocketFiles.fileKeyAfterBind(bound);
        SocketAddress boundAddress = bound;
        Runnable afterLastClose = () -> UnixSocketFiles.removeIfSame(boundAddress, socketFile);
        List<ListenSocket> sockets = new ArrayList<>();
        AtomicInteger sharedUsers = new AtomicInteger(loops.size());
        AcceptEpisodes episodes = new AcceptEpisodes(bound);
        for (int i = 0; i < loops.size(); i++) {
            if (perLoop) {
                sockets.add(new ListenSocket(loops.get(i), fds.get(i), new AtomicInteger(1), episodes, afterLastClose));
            } else {
                sockets.add(new ListenSocket(loops.get(i), fds.getFirst(), sharedUsers, episodes, afterLastClose));
            }
        }
        return new TcpListener(sockets, bound);
    }

    @Override
    public CompletableFuture<Connection> accept() {
        return accept(null);
    }

    @Override
    public CompletableFuture<Connection> accept(Duration timeout) {
        return acceptFromAnySocket(TcpConnection.timeoutNanos(timeout));
    }

    // ---- accept() ---------------------------------------------------------------------------------
    //
    // The kernel hashes each connection to one of the SO_REUSEPORT sockets, so an accept() that
    // waited on one socket could wait forever while its connection sat in another's queue. So
    // while any accept() waits, every loop's socket has one accept armed (never more, and never
    // cancelled: cancelling one of several accepts armed on a socket can swallow the wakeup of
    // a connection the others then never see). Each connection goes to the oldest waiting
    // accept(), or is kept for the next one; the deadline is a timer, not the kernel op's. A
    // socket shared by every loop is served the same way, one armed accept per loop, so the
    // future a user holds is never a kernel op: an accept that meets EMFILE is retried by the
    // listener after a pause ({@link ListenSocket#retryLater}) while the accept()s keep waiting.

    private CompletableFuture<Connection> acceptFromAnySocket(long timeoutNanos) {
        LoopFuture<Connection> accept = new LoopFuture<>(sockets.stream().map(socket -> socket.loop).toList());
        List<Integer> toArm = new ArrayList<>();
        synchronized (unclaimed) {
            if (closing) {
                return LoopFuture.failed(new ConnectionClosedException("listener is closed"));
            }
            Connection early = unclaimed.poll();
            if (early != null) {
                return LoopFuture.completed(early);
            }
            waiting.add(accept);
            for (int i = 0; i < sockets.size(); i++) {
                if (!armed[i]) {
                    armed[i] = true;
                    toArm.add(i);
                }
            }
        }
        // The deadline is a timer of the first loop (its clock starts now); it is stopped once
        // the accept completes, so a long timeout keeps nothing alive after that.
        LoopTimer deadline = timeoutNanos > 0 ? new LoopTimer(sockets.getFirst().loop, timeoutNanos, () ->
                accept.fail(new TimeoutException("accept timed out after "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"))) : null;
        accept.whenComplete((connection, error) -> {
            synchronized (unclaimed) {
                waiting.remove(accept);
            }
            if (deadline != null) {
                sockets.getFirst().loop.run(deadline::stop);
            }
        });
        if (deadline != null) {
            sockets.getFirst().loop.run(deadline::start);
        }
        toArm.forEach(this::arm);
        return accept;
    }

    private void arm(int index) {
        ListenSocket socket = sockets.get(index);
        socket.submit(new AcceptOp(socket.loop, socket, socket.fd, unixDomain, 0))
                .whenComplete((connection, error) -> accepted(index, connection, error));
    }

    private void accepted(int index, Connection connection, Throwable error) {
        if (connection != null) {
            sockets.get(index).accepted(); // loop thread: the op completed there
            handOver(connection);
        }
        int shortage = ListenSocket.shortage(error);
        if (shortage != 0 && !closing) {
            // Still armed, as far as accept() is concerned: try again after a pause.
            sockets.get(index).retryLater(shortage, () -> rearm(index), () -> disarm(index));
            return;
        }
        boolean again;
        List<LoopFuture<Connection>> failed = List.of();
        synchronized (unclaimed) {
            again = error == null && !closing && !waiting.isEmpty();
            armed[index] = again;
            if (error != null) {
                failed = new ArrayList<>(waiting); // the listener closed, or its socket failed
            }
        }
        failed.forEach(accept -> accept.fail(error));
        if (again) {
            arm(index);
        }
    }

    /** After a pause: arms the socket's accept again if an accept() still waits. */
    private void rearm(int index) {
        boolean again;
        synchronized (unclaimed) {
            again = !closing && !waiting.isEmpty();
            armed[index] = again;
        }
        if (again) {
            arm(index);
        }
    }

    private void disarm(int index) {
        synchronized (unclaimed) {
            armed[index] = false;
        }
    }

    /** Completes the oldest waiting accept() with {@code connection}, or keeps it for the next one. */
    private void handOver(Connection connection) {
        while (true) {
            LoopFuture<Connection> accept;
            synchronized (unclaimed) {
                accept = waiting.poll();
                if (accept == null) {
                    if (closing) {
                        break;
                    }
                    unclaimed.add(connection);
                    return;
                }
            }
            if (accept.succeed(connection)) { // outside the lock: the user's stages run here
                return;
            }
        }
        connection.close();
    }

    /**
     * One accept stream per loop. The returned future completes normally once every stream
     * ended because the listener (or the runtime) closed, and exceptionally as soon as one
     * stream failed for good; the other loops' streams go on until the listener closes.
     */
    @Override
    public CompletableFuture<Void> onAccept(Consumer<Connection> handler) {
        Objects.requireNonNull(handler, "handler");
        LoopFuture<Void> ended = new LoopFuture<>(sockets.stream().map(socket -> socket.loop).toList());
        AtomicInteger running = new AtomicInteger(sockets.size());
        for (ListenSocket socket : sockets) {
            Consumer<Connection> counted = connection -> {
                socket.accepted(); // ends a shortage episode, if there was one
                handler.accept(connection);
            };
            startStream(socket, counted, ended, running);
        }
        return ended;
    }

    /** One loop's accept stream; after a shortage (EMFILE...) a new one starts after a pause. */
    private void startStream(ListenSocket socket, Consumer<Connection> handler, LoopFuture<Void> ended,
                             AtomicInteger running) {
        socket.submit(new AcceptStreamOp(socket.loop, socket, socket.fd, unixDomain, handler)).whenComplete((ignored, error) -> {
            int shortage = ListenSocket.shortage(error);
            if (shortage != 0 && !closing) {
                socket.retryLater(shortage, () -> startStream(socket, handler, ended, running),
                        () -> streamEnded(ended, running, socket, new ConnectionClosedException("listener closed")));
            } else {
                streamEnded(ended, running, socket, error);
            }
        });
    }

    private void streamEnded(LoopFuture<Void> ended, AtomicInteger running, ListenSocket socket, Throwable error) {
        if (error instanceof ConnectionClosedException) {
            if (running.decrementAndGet() == 0) {
                ended.succeed(null);
            }
            return;
        }
        System.getLogger("io.jring").log(System.Logger.Level.WARNING, "onAccept on " + localAddress
                + " stopped for good on loop " + socket.loop.index() + ": " + error.getMessage()
                + "; that loop accepts nothing more from this listener (close it and listen again)");
        ended.fail(error);
    }

    @Override
    public SocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public CompletableFuture<Void> close() {
        List<Connection> kept;
        List<LoopFuture<Connection>> pending;
        synchronized (unclaimed) {
            closing = true;
            kept = new ArrayList<>(unclaimed);
            unclaimed.clear();
            pending = new ArrayList<>(waiting);
        }
        kept.forEach(Connection::close);
        pending.forEach(accept -> accept.fail(new ConnectionClosedException("listener closed")));
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (ListenSocket socket : sockets) {
            socket.loop.run(socket::beginClose);
            all.add(socket.closed);
        }
        return LoopFuture.whenAll(sockets.stream().map(socket -> socket.loop).toList(), all);
    }
}
