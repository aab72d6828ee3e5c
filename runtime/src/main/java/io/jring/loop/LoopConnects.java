package io.jring.loop;

import io.jring.Connection;
import io.jring.op.ConnectOp;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The connects in progress on one loop, cancelled if the loop shuts down first. */
public final class LoopConnects {
    private final EventLoop loop;
    private OpSet running;

    public LoopConnects(EventLoop loop) {
        this.loop = loop;
    }

    /** Starts connecting {@code fd} (a fresh non-blocking socket, which the op now owns). */
    public CompletableFuture<Connection> connect(int fd, SocketAddress address, Duration timeout) {
        OpSet set = set();
        return set.submit(new ConnectOp(loop, set, fd, address, TcpConnection.timeoutNanos(timeout)));
    }

    private synchronized OpSet set() {
        if (running == null) {
            running = new OpSet(loop, "runtime");
        }
        return running;
    }
}
