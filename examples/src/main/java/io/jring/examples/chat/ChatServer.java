package io.jring.examples.chat;

import io.jring.IoRuntime;
import io.jring.Listener;
import io.jring.examples.Args;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * A line-protocol chat server: each line a client sends goes to every other client, prefixed
 * with the sender's name. Lines are split with {@link io.jring.SegmentedBuffer}; a client that
 * does not read is bounded by the writability signal (see {@link ChatClient}).
 *
 * <pre>./jring example chat --port 7070 [--max-line 1024] [--backend io_uring|epoll] [--threads N] [--host 127.0.0.1]</pre>
 */
public final class ChatServer {
    /** The longest line a client may send, in bytes without its newline, unless --max-line says otherwise. */
    public static final int DEFAULT_MAX_LINE = 1024;

    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("chat", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        Args args = Args.parse(argv, "port", "host", "backend", "threads", "max-line");
        InetSocketAddress address = new InetSocketAddress(args.get("host", "127.0.0.1"), args.getInt("port", 7070));
        int maxLine = args.getInt("max-line", DEFAULT_MAX_LINE);
        CountDownLatch stopped = new CountDownLatch(1);
        try (IoRuntime runtime = IoRuntime.open(args.runtimeOptions())) {
            Listener listener = start(runtime, address, new ChatRoom(maxLine));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                listener.close().join();
                runtime.close();
                stopped.countDown();
            }));
            System.out.println("chat listening on " + listener.localAddress() + " backend=" + runtime.backend()
                    + runtime.fallbackReason().map(r -> " (" + r + ")").orElse("") + " max-line=" + maxLine);
            stopped.await();
        }
    }

    /** Serves {@code room} on {@code address}; every accepted connection joins it. */
    public static Listener start(IoRuntime runtime, InetSocketAddress address, ChatRoom room) throws IOException {
        Listener listener = runtime.listen(address);
        listener.onAccept(room::join);
        return listener;
    }

    private ChatServer() {}
}
