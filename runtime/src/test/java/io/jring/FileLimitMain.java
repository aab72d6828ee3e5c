package io.jring;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link FileAttackContract}, run under a small RLIMIT_NOFILE: on the backend
 * {@code args[0]}, one loop serving an echo, opens {@code args[1]} again and again until an open
 * fails, then reports on stdout, one line each: {@code opened N}, {@code error MESSAGE}, whether
 * the echo answered during the shortage, how a
 * sendFile fared then, whether N files open again once all are closed,
 * whether the echo still answers, and the pooled buffers left after the runtime closes.
 */
public final class FileLimitMain {
    public static void main(String[] args) throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(Backend.valueOf(args[0])));
        Path path = Path.of(args[1]);
        Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.onAccept(FileLimitMain::echo);
        // Connected before the shortage: they need descriptors too.
        Connection sender = runtime.connect(listener.localAddress()).get(10, TimeUnit.SECONDS);
        try (Socket client = new Socket()) {
            client.connect(listener.localAddress(), 10_000);
            client.setSoTimeout(10_000);
            List<AsyncFile> files = new ArrayList<>();
            String error = null;
            while (error == null && files.size() < 100_000) {
                try {
                    files.add(runtime.openFile(path).get(10, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    error = String.valueOf(e.getCause()).replace('\n', ' ');
                }
            }
            int opened = files.size();
            System.out.println("opened " + opened);
            System.out.println("error " + error);
            System.out.println("echo during the shortage: " + echoes(client));
            System.out.println("sendFile during the shortage: " + sendsFile(sender, files.getFirst()));
            for (AsyncFile file : files) {
                file.close().get(10, TimeUnit.SECONDS);
            }
            files.clear();
            String reopened = "all";
            for (int i = 0; i < opened; i++) {
                try {
                    files.add(runtime.openFile(path).get(10, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    reopened = i + " of " + opened + ": " + e.getCause();
                    break;
                }
            }
            System.out.println("reopened after close: " + reopened);
            for (AsyncFile file : files) {
                file.close().get(10, TimeUnit.SECONDS);
            }
            System.out.println("echo after: " + echoes(client));
        }
        sender.close().get(10, TimeUnit.SECONDS);
        listener.close().get(10, TimeUnit.SECONDS);
        runtime.close();
        System.out.println("buffers in use after close: " + runtime.buffersInUse());
    }

    /** A 100-byte sendFile (on io_uring it needs a pipe, so two more descriptors): ok, or its error. */
    private static String sendsFile(Connection sender, AsyncFile file) {
        try {
            long sent = sender.sendFile(file, 0, 100).get(10, TimeUnit.SECONDS);
            return sent == 100 ? "ok" : "sent " + sent;
        } catch (ExecutionException e) {
            return "failed " + String.valueOf(e.getCause()).replace('\n', ' ');
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String echoes(Socket client) {
        try {
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            out.write('e');
            out.flush();
            return in.read() == 'e' ? "ok" : "wrong byte";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static void echo(Connection connection) {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                connection.close();
                return;
            }
            connection.send(buffer).whenComplete((ok, sendError) -> echo(connection));
        });
    }

    private FileLimitMain() {}
}
