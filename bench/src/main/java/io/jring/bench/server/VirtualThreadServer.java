package io.jring.bench.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Both workloads as blocking code: one virtual thread per connection, plain
 * {@code InputStream}/{@code OutputStream} calls. {@code jring-vt} and {@code jdk-vt} run this
 * same code; only where the streams come from differs (jring's connections, or the JDK's
 * {@code Socket}s), so the bench compares the I/O underneath, not the servers.
 */
final class VirtualThreadServer {
    /** What accepting yields: the two streams of one connection, and how to close it. */
    record Stream(InputStream in, OutputStream out, Closeable connection) {}

    /** A blocking accept: ServerSocket.accept() or Listener.acceptBlocking(). */
    interface Acceptor {
        Stream accept() throws IOException;
    }

    /** Accepts on a virtual thread until the acceptor fails (its listener closed), each connection on a new virtual thread. */
    static Thread acceptLoop(String name, Acceptor acceptor, boolean http) {
        return Thread.ofVirtual().name(name + "-acceptor").start(() -> {
            while (true) {
                Stream stream;
                try {
                    stream = acceptor.accept();
                } catch (IOException closed) {
                    return;
                }
                Thread.ofVirtual().start(() -> serve(stream, http));
            }
        });
    }

    private static void serve(Stream stream, boolean http) {
        try (Closeable connection = stream.connection()) {
            if (http) {
                http(stream.in(), stream.out());
            } else {
                echo(stream.in(), stream.out());
            }
        } catch (IOException e) {
            // the client went away: this connection is done
        }
    }

    private static void echo(InputStream in, OutputStream out) throws IOException {
        byte[] chunk = new byte[16 * 1024];
        int n;
        while ((n = in.read(chunk)) >= 0) {
            out.write(chunk, 0, n);
        }
    }

    /** Counts the requests each read completes and answers them all with one write, as every bench server does. */
    private static void http(InputStream in, OutputStream out) throws IOException {
        byte[] chunk = new byte[16 * 1024];
        byte[] answers = Http.RESPONSE.clone();
        Http.RequestCounter counter = new Http.RequestCounter();
        int n;
        while ((n = in.read(chunk)) >= 0) {
            int requests = 0;
            for (int i = 0; i < n; i++) {
                if (counter.feed(chunk[i])) {
                    requests++;
                }
            }
            if (requests == 0) {
                continue;
            }
            int length = requests * Http.RESPONSE.length;
            if (answers.length < length) {
                answers = Arrays.copyOf(answers, length);
                for (int at = 0; at < length; at += Http.RESPONSE.length) {
                    System.arraycopy(Http.RESPONSE, 0, answers, at, Http.RESPONSE.length);
                }
            }
            out.write(answers, 0, length);
        }
    }

    private VirtualThreadServer() {}
}
