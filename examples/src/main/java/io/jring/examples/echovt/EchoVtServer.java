package io.jring.examples.echovt;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoRuntime;
import io.jring.Listener;
import io.jring.examples.Args;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * The echo server written as blocking code: one virtual thread per connection, plain
 * {@code InputStream}/{@code OutputStream} calls, no callback in sight. Each blocking call parks
 * the virtual thread until jring's loop completes the operation underneath, on io_uring or epoll.
 *
 * <pre>./jring example echo-vt --port 7000 [--backend io_uring|epoll] [--threads N] [--host 127.0.0.1]</pre>
 */
public final class EchoVtServer {
    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("echo-vt", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        Args args = Args.parse(argv, "port", "host", "backend", "threads");
        InetSocketAddress address = new InetSocketAddress(args.get("host", "127.0.0.1"), args.getInt("port", 7000));
        CountDownLatch stopped = new CountDownLatch(1);
        try (IoRuntime runtime = IoRuntime.open(args.runtimeOptions())) {
            Listener listener = runtime.listen(address);
            Thread acceptor = Thread.ofVirtual().name("echo-vt-acceptor").start(() -> acceptUntilClosed(listener));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                listener.close().join(); // the parked acceptBlocking() throws: the acceptor ends
                runtime.close();
                stopped.countDown();
            }));
            System.out.println("echo-vt listening on " + listener.localAddress() + " backend=" + runtime.backend()
                    + runtime.fallbackReason().map(r -> " (" + r + ")").orElse(""));
            stopped.await();
            acceptor.join(1000);
        }
    }

    /** The ServerSocket loop, unchanged in shape: accept, hand the connection to a new virtual thread. */
    private static void acceptUntilClosed(Listener listener) {
        while (true) {
            Connection connection;
            try {
                connection = listener.acceptBlocking();
            } catch (ConnectionClosedException closed) {
                return; // shutting down
            } catch (IOException e) {
                System.err.println("echo-vt: accept failed: " + e.getMessage());
                return;
            }
            Thread.ofVirtual().name("echo-vt-" + connection.remoteAddress()).start(() -> echo(connection));
        }
    }

    /** What a java.net.Socket echo does: copy until the client's end of stream, then close. */
    static void echo(Connection connection) {
        try (InputStream in = connection.inputStream(); OutputStream out = connection.outputStream()) {
            byte[] chunk = new byte[16 * 1024];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                out.write(chunk, 0, n); // returns once queued; parks only while the client is not reading
            }
            out.flush(); // every echoed byte has reached the kernel before the close
        } catch (IOException e) {
            // The client reset or vanished, or the server is stopping: this connection is done.
        }
    }

    private EchoVtServer() {}
}
