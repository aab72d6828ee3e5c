package io.jring.loop;

import io.jring.BufferPoolExhaustedException;
import io.jring.ConnectionClosedException;
import io.jring.Datagram;
import io.jring.DatagramEndpoint;
import io.jring.DatagramOptions;
import io.jring.IoBuffer;
import io.jring.NativeIoException;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.net.DatagramSocketOptions;
import io.jring.net.SocketAddresses;
import io.jring.net.Sockets;
import io.jring.op.DatagramRecvOp;
import io.jring.op.DatagramSendOp;
import io.jring.op.Op;
import io.jring.op.OpOwner;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A UDP socket on one loop. Sends run one at a time in call order (a datagram that waits for
 * send-buffer room must not be overtaken by a later one); receives are the
 * {@link DatagramReceiver}'s. All fields are touched on the loop thread only, as in
 * {@link TcpConnection}, whose close sequence this follows: the descriptor is closed only once
 * no operation on it is left in the kernel.
 */
public final class UdpEndpoint implements DatagramEndpoint, OpOwner, EventLoop.Closeable {
    private final EventLoop loop;
    private final int fd;
    private final boolean ipv6;
    private final InetSocketAddress localAddress;
    private final DatagramReceiver receiver;
    private final ArrayDeque<Op<?>> waitingSends = new ArrayDeque<>();
    private Op<?> activeSend;
    private final LoopFuture<Void> closed;
    private volatile boolean closing;
    private volatile boolean descriptorClosed;
    private volatile InetSocketAddress peer;

    private UdpEndpoint(EventLoop loop, int fd, InetSocketAddress localAddress) {
        this.loop = loop;
        this.fd = fd;
        this.localAddress = localAddress;
        this.ipv6 = localAddress.getAddress() instanceof Inet6Address;
        this.receiver = new DatagramReceiver(loop, this, fd);
        this.closed = new LoopFuture<>(loop);
    }

    /**
     * socket, options, bind, then the endpoint on {@code loop}. The loop's datagram pool is made
     * first if it has none, so a runtime at its memory cap refuses the bind, not the first
     * receive. Closes the socket again if any step fails.
     */
    public static UdpEndpoint open(EventLoop loop, InetSocketAddress address, DatagramOptions options) throws IOException {
        loop.datagramPool(); // BufferPoolExhaustedException at the cap, before a socket exists
        int family = address.getAddress() instanceof Inet6Address ? Linux.AF_INET6 : Linux.AF_INET;
        int fd = LibC.socket(family, Linux.SOCK_DGRAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeIoException("socket(SOCK_DGRAM)", fd);
        }
        UdpEndpoint endpoint;
        try {
            if (options.broadcast()) {
                Sockets.setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_BROADCAST, 1, "SO_BROADCAST");
            }
            if (options.reuseAddress()) {
                Sockets.setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1, "SO_REUSEADDR");
            }
            if (options.receiveBufferSize() > 0) {
                Sockets.setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, options.receiveBufferSize(), "SO_RCVBUF");
            }
            if (options.sendBufferSize() > 0) {
                Sockets.setIntOption(fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, options.sendBufferSize(), "SO_SNDBUF");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sockaddr = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
                int res = LibC.bind(fd, sockaddr, SocketAddresses.write(address, sockaddr));
                if (res < 0) {
                    throw new NativeIoException("bind " + SocketAddresses.format(address), res);
                }
            }
            endpoint = new UdpEndpoint(loop, fd, (InetSocketAddress) Sockets.localAddress(fd));
        } catch (IOException | RuntimeException e) {
            LibC.close(fd); // no op ever used it: no driver knows the number
            throw e;
        }
        loop.run(() -> {
            if (loop.isShuttingDown()) {
                endpoint.beginClose();
            } else {
                loop.register(endpoint);
            }
        });
        return endpoint;
    }

    @Override
    public CompletableFuture<Datagram> recv() {
        return recv(null);
    }

    @Override
    public CompletableFuture<Datagram> recv(Duration timeout) {
        DatagramRecvOp op = new DatagramRecvOp(loop, this, fd, receiver, TcpConnection.timeoutNanos(timeout));
        loop.run(() -> {
            if (closing) {
                EventLoop.abandon(op, "datagram endpoint is closed");
            } else {
                receiver.admit(op);
            }
        });
        return op;
    }

    @Override
    public CompletableFuture<Void> send(InetSocketAddress target, IoBuffer payload) {
        return send(target, payload, null);
    }

    @Override
    public CompletableFuture<Void> send(InetSocketAddress target, IoBuffer payload, Duration timeout) {
        if (target == null) {
            throw new NullPointerException("target is null: use send(payload) on a connected endpoint");
        }
        return sendTo(target, payload, timeout);
    }

    @Override
    public CompletableFuture<Void> send(InetSocketAddress target, MemorySegment payload) {
        if (target == null) {
            throw new NullPointerException("target is null: use send(payload) on a connected endpoint");
        }
        return sendCopy(target, payload);
    }

    @Override
    public CompletableFuture<Void> send(IoBuffer payload) {
        if (peer == null) {
            payload.release(); // a send owns what it is given, even when it refuses it
            return LoopFuture.failed(notConnected());
        }
        return sendTo(null, payload, null);
    }

    @Override
    public CompletableFuture<Void> send(MemorySegment payload) {
        if (peer == null) {
            return LoopFuture.failed(notConnected());
        }
        return sendCopy(null, payload);
    }

    private static IllegalStateException notConnected() {
        return new IllegalStateException("this datagram endpoint has no fixed peer: call connect(peer) first,"
                + " or send(target, payload)");
    }

    private CompletableFuture<Void> sendTo(InetSocketAddress target, IoBuffer payload, Duration timeout) {
        DatagramSendOp op = new DatagramSendOp(loop, this, fd, target, payload, TcpConnection.timeoutNanos(timeout));
        loop.run(() -> admitSend(op));
        return op;
    }

    /**
     * Copies the caller's bytes into a block the runtime owns (the loop pool's, or a datagram
     * block for one bigger than that), so the caller may free its segment at once.
     */
    private CompletableFuture<Void> sendCopy(InetSocketAddress target, MemorySegment payload) {
        if (closing) { // the pools of a closed runtime are gone
            return LoopFuture.failed(new ConnectionClosedException("datagram endpoint is closed"));
        }
        long size = payload.byteSize();
        if (size > EventLoop.DATAGRAM_BLOCK_SIZE) {
            // EMSGSIZE, as the kernel answers one a little over the limit: one error for every oversized send
            return LoopFuture.failed(DatagramSendOp.tooLarge(target == null ? "sendmsg to the connected peer"
                    : "sendmsg to " + SocketAddresses.format(target), size));
        }
        IoBuffer copy;
        try {
            copy = size <= loop.pool().blockSize() ? loop.pool().acquire() : loop.datagramPool().acquire();
        } catch (BufferPoolExhaustedException e) {
            return LoopFuture.failed(e);
        }
        copy.write(payload);
        return sendTo(target, copy, null);
    }

    private void admitSend(Op<?> op) {
        if (closing) {
            EventLoop.abandon(op, "datagram endpoint is closed");
        } else if (activeSend == null) {
            startSend(op);
        } else {
            waitingSends.add(op);
            loop.watchDeadline(op);
        }
    }

    private void startSend(Op<?> op) {
        if (op.isDone()) {
            loop.endWaiting(op); // cancelled while it waited its turn
            return;
        }
        activeSend = op;
        loop.submit(op);
    }

    @Override
    public DatagramEndpoint connect(InetSocketAddress peer) throws IOException {
        onLoop(() -> {
            requireOpen("connect");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sockaddr = arena.allocate(SocketAddresses.MAX_LENGTH, 8);
                int res = LibC.connect(fd, sockaddr, SocketAddresses.write(peer, sockaddr));
                if (res < 0) {
                    throw new NativeIoException("connect (UDP) to " + SocketAddresses.format(peer), res);
                }
            }
            this.peer = peer;
            return null;
        });
        return this;
    }

    @Override
    public <T> DatagramEndpoint setOption(SocketOption<T> option, T value) throws IOException {
        DatagramSocketOptions.checkValue(option, value);
        onLoop(() -> {
            requireOpen("socket options");
            DatagramSocketOptions.set(fd, ipv6, option, value);
            return null;
        });
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        DatagramSocketOptions.checkSupported(option);
        return onLoop(() -> {
            requireOpen("socket options");
            return DatagramSocketOptions.get(fd, ipv6, option);
        });
    }

    private void requireOpen(String what) throws ConnectionClosedException {
        if (closing) {
            throw new ConnectionClosedException("datagram endpoint is closed: " + what + " no longer possible");
        }
    }

    private interface SocketCall<T> {
        T call() throws IOException;
    }

    /** Runs a call on {@code fd} on the loop thread, the only thread that closes it. */
    private <T> T onLoop(SocketCall<T> call) throws IOException {
        if (loop.inLoop()) {
            return call.call();
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return call.call();
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, loop).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    @Override
    public IoBuffer allocate() {
        return loop.pool().acquire();
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return peer;
    }

    @Override
    public CompletableFuture<Void> close() {
        loop.run(this::beginClose);
        return closed;
    }

    @Override
    public boolean isOpen() {
        return !closing;
    }

    @Override
    public Executor executor() {
        return loop;
    }

    @Override
    public void closeForShutdown() {
        beginClose();
    }

    // ---- op ends -----------------------------------------------------------------------------

    @Override
    public void opFinished(Op<?> op) {
        if (activeSend == op) {
            activeSend = null;
            while (activeSend == null && !waitingSends.isEmpty()) {
                startSend(waitingSends.poll());
            }
        } else if (!receiver.opFinished(op)) {
            return; // ended before it started
        }
        if (closing && activeSend == null && !receiver.busy()) {
            finishClose();
        }
    }

    @Override
    public void deadlinePassed(Op<?> op) {
        if (waitingSends.remove(op)) {
            loop.endWaiting(op);
        } else {
            receiver.endWaiting(op);
        }
    }

    @Override
    public void cancelledWhileWaiting(Op<?> op) {
        deadlinePassed(op);
    }

    private void beginClose() {
        if (closing) {
            return;
        }
        closing = true;
        Op<?> queued;
        while ((queued = waitingSends.poll()) != null) {
            loop.unwatchDeadline(queued);
            EventLoop.abandon(queued, "datagram endpoint closed");
        }
        if (activeSend != null) {
            loop.cancelForClose(activeSend);
        }
        receiver.close();
        if (activeSend == null && !receiver.busy()) {
            finishClose();
        }
    }

    private void finishClose() {
        if (!descriptorClosed) {
            descriptorClosed = true;
            loop.closingDescriptor(fd);
            LibC.close(fd);
            loop.unregister(this);
            closed.succeed(null);
        }
    }

    @Override
    public String toString() {
        return "DatagramEndpoint[" + SocketAddresses.format(localAddress) + ", fd=" + fd + ", loop=" + loop.index()
                + (closing ? ", closed" : "") + "]";
    }
}
