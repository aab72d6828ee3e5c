package io.jring.loop;

import io.jring.Connection;
import io.jring.ListenOptions;
import io.jring.Listener;
import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.net.Sockets;
import io.jring.op.AcceptOp;
import io.jring.op.AcceptStreamOp;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

        @Override
        void drained() {
            super.drained();
            if (!closed.isDone()) {
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
        ListenSocket socket = sockets.get(Math.floorMod(nextSocket.getAndIncrement(), sockets.size()));
        return socket.submit(new AcceptOp(socket.loop, socket, socket.fd, TcpConnection.timeoutNanos(timeout)));
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
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (ListenSocket socket : sockets) {
            socket.loop.run(socket::beginClose);
            all.add(socket.closed);
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }
}
