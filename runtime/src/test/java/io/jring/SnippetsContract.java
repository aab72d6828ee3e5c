package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.snippets.ApiSnippets;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The API documentation's examples ({@link ApiSnippets}, included by {@code {@snippet}} tags)
 * run over real sockets: if one stops working, the documentation is wrong and this fails.
 */
abstract class SnippetsContract extends RuntimeTestBase {

    @Test
    void theEchoServerAndTheClientOfTheDocumentationTalk() throws Exception {
        IoRuntime runtime = open(2);
        Listener listener = ApiSnippets.echoServer(runtime, LOOPBACK_ANY_PORT);
        assertEquals("ping\n", Await.get(ApiSnippets.client(runtime, listener.localAddress())));
        try (PeerSocket peer = PeerSocket.connect(listener.localAddress())) {
            peer.write("twice");
            assertEquals("twice", peer.readString(5));
        }
    }

    @Test
    void theUnixExampleEchoesAndRemovesItsSocketFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        IoRuntime runtime = open(2);
        assertEquals("ping\n", ApiSnippets.unixEcho(runtime, dir));
        assertTrue(!java.nio.file.Files.exists(dir.resolve("echo.sock")), "the listener removed echo.sock");
    }

    @Test
    void thePushEchoEchoesAndClosesAtTheEnd() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        ApiSnippets.pushEcho(pair.connection());
        byte[] payload = Payloads.random(3, 50_000);
        org.junit.jupiter.api.Assertions.assertArrayEquals(payload, pair.peer().echo(payload));
        pair.peer().socket.shutdownOutput();
        Await.until(() -> !pair.connection().isOpen(), 10_000, () -> "the push echo did not close at end of stream");
        assertEquals(0, pair.peer().readToEnd().length);
    }

    @Test
    void theAllocateExampleSendsItsBufferAndGivesItUp() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        Await.get(ApiSnippets.allocateAndSend(pair.connection()));
        String expected = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assertEquals(expected, pair.peer().readString(expected.length()));
    }

    @Test
    void theOffTheLoopExampleAnswersFromAnotherThread() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        ExecutorService workers = Executors.newSingleThreadExecutor();
        try {
            var answered = ApiSnippets.offTheLoop(pair.connection(), workers);
            pair.peer().write("work".getBytes(StandardCharsets.US_ASCII));
            Await.get(answered);
            assertEquals("work", pair.peer().readString(4));
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void theBackendExampleOpensTheBackendItNames() throws Exception {
        try (IoRuntime runtime = ApiSnippets.runtimeOn(backend())) {
            assertEquals(backend(), runtime.backend());
            assertEquals(2, runtime.describeLoops().size());
            String word = backend() == Backend.EPOLL ? "epoll" : "io_uring";
            assertTrue(runtime.describeLoops().getFirst().contains(word), runtime.describeLoops().toString());
        }
    }
}
