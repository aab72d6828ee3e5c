package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Half-close in both directions: end of stream is a result, not an error, and the other direction keeps working. */
public abstract class HalfCloseContract extends RuntimeTestBase {

    private Pair accepted() throws Exception {
        return accepted(open(1));
    }

    @Test
    void peerShutdownOutputIsEndOfStreamAndWeCanStillSend() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime());
        byte[] request = Payloads.random(1, 50_000);
        pair.peer().write(request);
        pair.peer().socket.shutdownOutput();

        byte[] received = Await.get(ApiIo.readToEnd(pair.connection()));
        assertArrayEquals(request, received, "bytes before the FIN arrive intact, then END_OF_STREAM");
        IoBuffer again = Await.get(pair.connection().recv(Duration.ofSeconds(5)));
        assertTrue(again.isEndOfStream(), "end of stream is reported again, not an error: " + again);
        assertTrue(pair.connection().isOpen(), "end of stream does not close our side");

        byte[] response = Payloads.random(2, 70_000);
        Await.get(pair.connection().send(response));
        assertArrayEquals(response, pair.peer().readExactly(response.length), "the peer reads what we sent after its FIN");
        Await.get(pair.connection().close());
        assertEquals(-1, pair.peer().in.read());
        assertBuffersBackTo(pair.runtime(), baseline);
    }

    @Test
    void ourShutdownOutputDeliversQueuedBytesThenEndOfStream() throws Exception {
        Pair pair = accepted();
        int baseline = idleBaseline(pair.runtime());
        byte[] first = Payloads.random(3, 300_000);
        IoBuffer second = pair.connection().allocate().write("tail");
        // Not waiting for the sends: shutdownOutput queues behind them.
        CompletableFuture<Void> sendFirst = pair.connection().send(first);
        CompletableFuture<Void> sendSecond = pair.connection().send(second);
        CompletableFuture<Void> shutdown = pair.connection().shutdownOutput();

        byte[] all = pair.peer().readToEnd();
        assertEquals(first.length + 4, all.length, "bytes before end of stream");
        assertArrayEquals(first, java.util.Arrays.copyOf(all, first.length));
        assertEquals("tail", new String(all, first.length, 4, java.nio.charset.StandardCharsets.UTF_8));
        Await.get(sendFirst);
        Await.get(sendSecond);
        Await.get(shutdown);

        // Receiving still works after our half-close.
        byte[] late = Payloads.random(4, 20_000);
        pair.peer().write(late);
        assertArrayEquals(late, Await.get(ApiIo.readExactly(pair.connection(), late.length)));
        pair.peer().socket.shutdownOutput();
        assertTrue(Await.get(pair.connection().recv()).isEndOfStream());

        // A send after shutdownOutput fails with EPIPE and still releases its buffer.
        IoBuffer tooLate = pair.connection().allocate().write("x");
        NativeIoException error = Await.failure(pair.connection().send(tooLate), NativeIoException.class);
        assertEquals("EPIPE", error.errnoName(), error.getMessage());
        assertTrue(tooLate.isReleased());
        Await.get(pair.connection().close());
        assertBuffersBackTo(pair.runtime(), baseline);
    }
}
