package io.jring.examples.proxy;

import io.jring.examples.ExternalClients;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Clients for the proxy tests that are not ours: Python's sockets, curl and wrk, run as processes. */
final class ProxyClients {
    private ProxyClients() {}

    /**
     * One Python connection per size, all at once. Each sends a random payload from one thread
     * while reading on another, half-closes when done, reads to end of stream and compares. Prints
     * "ok N", or exits non-zero naming each connection that went wrong.
     */
    static String pythonEchoConcurrently(int port, int... sizes) throws IOException, InterruptedException {
        String script = """
                import os, socket, sys, threading
                port = int(sys.argv[1])
                failures = []

                def one(n):
                    data = os.urandom(n)
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                            def send():
                                s.sendall(data)
                                s.shutdown(socket.SHUT_WR)
                            sender = threading.Thread(target=send)
                            sender.start()
                            got = bytearray()
                            while True:
                                chunk = s.recv(1 << 20)
                                if not chunk:
                                    break
                                got += chunk
                            sender.join()
                        if bytes(got) != data:
                            same = next((i for i in range(min(n, len(got))) if got[i] != data[i]), min(n, len(got)))
                            failures.append("%d bytes sent, %d came back, first difference at %d" % (n, len(got), same))
                    except Exception as e:
                        failures.append("%d bytes: %r" % (n, e))

                threads = [threading.Thread(target=one, args=(int(a),)) for a in sys.argv[2:]]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if failures:
                    sys.exit("; ".join(failures))
                print("ok", len(threads))
                """;
        List<String> command = new ArrayList<>(List.of("python3", "-c", script, Integer.toString(port)));
        for (int size : sizes) {
            command.add(Integer.toString(size));
        }
        return ExternalClients.run(command, new byte[0], 120).trim();
    }

    /** curl with a time limit; returns stdout, failing on a non-zero exit. */
    static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30"));
        command.addAll(List.of(args));
        return ExternalClients.run(command, new byte[0], 60);
    }

    /** A short wrk run; returns its report, failing on a non-zero exit. */
    static String wrk(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk"));
        command.addAll(List.of(args));
        return ExternalClients.run(command, new byte[0], 60);
    }
}
