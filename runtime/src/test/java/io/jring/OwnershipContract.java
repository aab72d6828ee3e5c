package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The runtime enforces who owns a buffer: misuse fails at the call that made it, with a message
 * naming the buffer's state, and never reaches a loop; memory the runtime does not own never
 * reaches the kernel.
 */
public abstract class OwnershipContract extends RuntimeTestBase {

    @Test
    void releasingABufferASendTookThrowsAtTheCallAndTheLoopKeepsServing() throws Exception {
        Pair pair = accepted(open(1));
        IoBuffer buffer = pair.connection().allocate().write("first");
        CompletableFuture<Void> sent = pair.connection().send(buffer);
        IllegalStateException error = assertThrows(IllegalStateException.class, buffer::release);
        // "a send took it" while the send runs; "it was released" once the send released it
        assertTrue(error.getMessage().matches(".*(a send took it|it was released).*"), error.getMessage());
        assertThrows(IllegalStateException.class, () -> buffer.write("more"));
        Await.get(sent);
        assertEquals("first", pair.peer().readString(5));

        // The loop is unharmed: the same connection echoes afterwards.
        pair.peer().write("again");
        IoBuffer got = Await.get(pair.connection().recv());
        assertEquals("again", got.toString(StandardCharsets.UTF_8));
        Await.get(pair.connection().send(got));
        assertEquals("again", pair.peer().readString(5));
    }

    @Test
    void sendingOrReceivingIntoAReleasedBufferIsRefusedAtTheCall() throws Exception {
        Pair pair = accepted(open(1));
        IoBuffer buffer = pair.connection().allocate();
        buffer.release();
        assertTrue(assertThrows(IllegalStateException.class, () -> pair.connection().send(buffer))
                .getMessage().contains("released"));
        assertTrue(assertThrows(IllegalStateException.class, () -> pair.connection().recv(buffer))
                .getMessage().contains("released"));
        assertThrows(IllegalStateException.class, () -> pair.connection().sendv(buffer));
        assertEchoes(pair);
    }

    @Test
    void aBufferLentToARecvIsRefusedUntilItCompletes() throws Exception {
        Pair pair = accepted(open(1));
        IoBuffer into = pair.connection().allocate();
        CompletableFuture<Integer> received = pair.connection().recv(into);
        assertThrows(IllegalStateException.class, into::toByteArray);
        assertThrows(IllegalStateException.class, into::release);
        assertThrows(IllegalStateException.class, () -> pair.connection().send(into), "one operation at a time");
        pair.peer().write("filled");
        assertEquals(6, Await.get(received));
        assertEquals("filled", into.toString(StandardCharsets.UTF_8));
        into.release();
    }

    @Test
    void aCancelledRecvIntoLetsTheBufferBeReleasedAndLosesNoData() throws Exception {
        Pair pair = accepted(open(1));
        IoBuffer into = pair.connection().allocate();
        CompletableFuture<Integer> received = pair.connection().recv(into);
        Thread.sleep(50); // let it reach the kernel
        received.cancel(true);
        into.release(); // allowed now: the block goes back once the kernel gives it up
        pair.peer().write("after");
        IoBuffer got = Await.get(pair.connection().recv());
        assertEquals("after", got.toString(StandardCharsets.UTF_8));
        got.release();
    }

    @Test
    void sendvRefusesTheSameBufferTwiceAndTakesNone() throws Exception {
        Pair pair = accepted(open(1));
        IoBuffer a = pair.connection().allocate().write("a");
        IoBuffer b = pair.connection().allocate().write("b");
        assertThrows(IllegalStateException.class, () -> pair.connection().sendv(a, b, a));
        assertEquals("a", a.toString(StandardCharsets.UTF_8), "still the caller's");
        Await.get(pair.connection().sendv(a, b));
        assertEquals("ab", pair.peer().readString(2));
    }

    @Test
    void aBufferOfAClosedRuntimeNeverReachesTheKernel() throws Exception {
        IoRuntime gone = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(backend()));
        IoBuffer stale = staleBufferOf(gone);
        gone.close(); // its pool's memory is freed: the buffer still points into it

        Pair pair = accepted(open(1));
        for (int i = 0; i < 100; i++) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> pair.connection().recv(stale));
            assertTrue(error.getMessage().contains("another IoRuntime"), error.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pair.connection().send(stale));
        }
        assertEchoes(pair);
    }

    @Test
    void aBufferOfAnotherLiveRuntimeIsRefusedAndKeepsItsBytes() throws Exception {
        IoRuntime other = open(1);
        EchoService otherEcho = EchoService.start(other);
        Connection otherClient = Await.get(other.connect(otherEcho.address()));
        IoBuffer foreign = otherClient.allocate().write("mine");

        Pair pair = accepted(open(1));
        assertThrows(IllegalArgumentException.class, () -> pair.connection().recv(foreign));
        pair.peer().write("not yours");
        IoBuffer got = Await.get(pair.connection().recv());
        assertEquals("not yours", got.toString(StandardCharsets.UTF_8), "the data went to the next recv");
        got.release();
        assertEquals("mine", foreign.toString(StandardCharsets.UTF_8), "nothing was written into it");
        foreign.release();
        Await.get(otherClient.close());
    }

    @Test
    void sendOfASegmentCopiesItSoTheCallerMayFreeItAtOnce() throws Exception {
        Pair pair = accepted(open(1));
        byte[] small = "small segment".getBytes(StandardCharsets.UTF_8);
        byte[] large = Payloads.random(7, 200_000);
        CompletableFuture<Void> first;
        CompletableFuture<Void> second;
        try (Arena arena = Arena.ofConfined()) {
            first = pair.connection().send(arena.allocate(small.length).copyFrom(MemorySegment.ofArray(small)));
            second = pair.connection().send(arena.allocate(large.length).copyFrom(MemorySegment.ofArray(large)));
        } // freed before the sends complete: they must not read it
        assertArrayEquals(small, pair.peer().readExactly(small.length));
        assertArrayEquals(large, pair.peer().readExactly(large.length));
        Await.get(first);
        Await.get(second);
    }

    @Test
    void addressesAreKnownWhileOpenAndRefusedAfterCloseIfNeverAsked() throws Exception {
        IoRuntime runtime = open(1);
        Pair asked = accepted(runtime);
        java.net.SocketAddress remote = asked.connection().remoteAddress();
        java.net.SocketAddress local = asked.connection().localAddress();
        Await.get(asked.connection().close());
        assertEquals(remote, asked.connection().remoteAddress(), "kept once asked");
        assertEquals(local, asked.connection().localAddress());

        Pair never = accepted(runtime);
        Await.get(never.connection().close());
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> never.connection().remoteAddress());
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
    }

    private static IoBuffer staleBufferOf(IoRuntime runtime) throws Exception {
        EchoService echo = EchoService.start(runtime);
        Connection client = Await.get(runtime.connect(echo.address()));
        return client.allocate().write("stale");
    }

    private static void assertEchoes(Pair pair) throws Exception {
        pair.peer().write("ping");
        IoBuffer got = Await.get(pair.connection().recv());
        assertEquals("ping", got.toString(StandardCharsets.UTF_8));
        Await.get(pair.connection().send(got));
        assertEquals("ping", pair.peer().readString(4));
    }
}
