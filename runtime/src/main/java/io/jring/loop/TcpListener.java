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
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
 */
public final class TcpListener implements Listener {
    private final List<ListenSocket> sockets;
    private final InetSocketAddress localAddress;
    private final AtomicInteger nextSocket = new AtomicInteger();
    /** One socket per loop (SO_REUSEPORT): the kernel, not accept(), picks the socket of each connection. */
    private final boolean perLoopSockets;
    /**
     * With per-loop sockets: connections accepted with no accept() waiting, the accept()s
     * waiting, and which sockets have an accept armed; all guarded by {@code unclaimed}'s lock.
     */
    private final ArrayDeque<Connection> unclaimed = new ArrayDeque<>();
    private final ArrayDeque<LoopFuture<Connection>> waiting = new ArrayDeque<>();
    private final boolean[] armed;
    private volatile boolean closing;

    /** One loop's view of a listening socket and the accepts it runs there. */
    private static final class ListenSocket extends OpSet {
        final int fd;
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        /** Loops still using {@link #fd}: a shared socket is closed when the last one is done. */
        private final AtomicInteger users;

        ListenSocket(EventLoop loop, int fd, AtomicInteger users) {
            super(loop, "listener");
            this.fd = fd;
            this.users = users;
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

    private TcpListener(List<ListenSocket> sockets, InetSocketAddress localAddress) {
        this.sockets = sockets;
        this.localAddress = localAddress;
        this.perLoopSockets = sockets.stream().mapToInt(socket -> socket.fd).distinct().count() > 1;
        this.armed = new boolean[sockets.size()];
    }

    public static TcpListener open(List<EventLoop> loops, InetSocketAddress address, ListenOptions options)
            throws NativeIoException {
        int socketCount = options.reusePort() ? loops.size() : 1;
        List<Integer> fds = new ArrayList<>();
        InetSocketAddress bound = address;
        try {
            for (int i = 0; i < socketCount; i++) {
                // The first bind may pick an ephemeral port; the others must join that port.
                int fd = Sockets.listen(bound, options.reuseAddress(), options.reusePort(), options.backlog());
                fds.add(fd);
                if (i == 0) {
                    bound = new InetSocketAddress(address.getAddress(), Sockets.localAddress(fd).getPort());
                }
            }
        } catch (NativeIoException e) {
            fds.forEach(LibC::close);
            throw e;
        }
        List<ListenSocket> sockets = new ArrayList<>();
        AtomicInteger sharedUsers = new AtomicInteger(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            if (options.reusePort()) {
                sockets.add(new ListenSocket(loops.get(i), fds.get(i), new AtomicInteger(1)));
            } else {
                sockets.add(new ListenSocket(loops.get(i), fds.getFirst(), sharedUsers));
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
        long timeoutNanos = TcpConnection.timeoutNanos(timeout);
        if (perLoopSockets) {
            return acceptFromAnySocket(timeoutNanos);
        }
        ListenSocket socket = sockets.get(Math.floorMod(nextSocket.getAndIncrement(), sockets.size()));
        return socket.submit(new AcceptOp(socket.loop, socket, socket.fd, timeoutNanos));
    }

    // ---- accept() with one socket per loop ------------------------------------------------------
    //
    // The kernel hashes each connection to one of the SO_REUSEPORT sockets, so an accept() that
    // waited on one socket could wait forever while its connection sat in another's queue. So
    // while any accept() waits, every socket has one accept armed (never more, and never
    // cancelled: cancelling one of several accepts armed on a socket can swallow the wakeup of
    // a connection the others then never see). Each connection goes to the oldest waiting
    // accept(), or is kept for the next one; the deadline is a timer, not the kernel op's.

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
        accept.whenComplete((connection, error) -> {
            synchronized (unclaimed) {
                waiting.remove(accept);
            }
        });
        if (timeoutNanos > 0) {
            long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
            CompletableFuture.delayedExecutor(timeoutNanos, TimeUnit.NANOSECONDS, sockets.getFirst().loop).execute(
                    () -> accept.fail(new TimeoutException("accept timed out after " + millis + " ms")));
        }
        toArm.forEach(this::arm);
        return accept;
    }

    private void arm(int index) {
        ListenSocket socket = sockets.get(index);
        socket.submit(new AcceptOp(socket.loop, socket, socket.fd, 0))
                .whenComplete((connection, error) -> accepted(index, connection, error));
    }

    private void accepted(int index, Connection connection, Throwable error) {
        if (connection != null) {
            handOver(connection);
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

    @Override
    public void onAccept(Consumer<Connection> handler) {
        for (ListenSocket socket : sockets) {
            socket.submit(new AcceptStreamOp(socket.loop, socket, socket.fd, handler));
        }
    }

    @Override
    public InetSocketAddress localAddress() {
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
