package example;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.IoRuntime;
import io.jring.Listener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The README's 20-line program: an echo server and a client on one runtime, one round trip. */
public class EchoRoundTrip {
    public static void main(String[] args) throws Exception {
        try (IoRuntime runtime = IoRuntime.open()) {
            Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
            listener.onAccept(EchoRoundTrip::echo);
            Connection client = runtime.connect(listener.localAddress()).get();
            client.send("ping".getBytes(StandardCharsets.UTF_8)).get();
            IoBuffer reply = client.recv(Duration.ofSeconds(10)).get();
            System.out.println("backend=" + runtime.backend() + " reply=" + reply.toString(StandardCharsets.UTF_8));
            reply.release();
            client.close().get();
        }
    }

    static void echo(Connection conn) {
        conn.recv().whenComplete((buf, error) -> {
            if (error != null || buf.isEndOfStream()) { conn.close(); return; }
            conn.send(buf).thenRun(() -> echo(conn)); // send takes ownership of buf
        });
    }
}
