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
 * socket on the first loop, whose connections then all live on that loop.
 */
public final class TcpListener implements Listener {
    private final List<ListenSocket> sockets;
    private final InetSocketAddress localAddress;
    private final AtomicInteger nextSocket = new AtomicInteger();

    /** One loop's listening socket and the accepts running on it. */
    private static final class ListenSocket extends OpSet {
        final int fd;
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        ListenSocket(EventLoop loop, int fd) {
            super(loop, "listener");
            this.fd = fd;
        }

        @Override
        void drained() {
            super.drained();
            if (!closed.isDone()) {
                LibC.close(fd);
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
        List<EventLoop> owners = options.reusePort() ? loops : loops.subList(0, 1);
        List<Integer> fds = new ArrayList<>();
        InetSocketAddress bound = address;
        try {
            for (int i = 0; i < owners.size(); i++) {
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
        for (int i = 0; i < owners.size(); i++) {
            sockets.add(new ListenSocket(owners.get(i), fds.get(i)));
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
