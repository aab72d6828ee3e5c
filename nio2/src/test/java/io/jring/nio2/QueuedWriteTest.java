package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Writes that complete before their bytes reach the kernel (jring queues up to the
 * connection's high water mark, as the JDK's complete once the socket took them): on every
 * provider, a close right after them still delivers every byte, a send that fails later fails
 * a later write with an IOException, and a write started in a handler completes there.
 */
class QueuedWriteTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closingRightAfterWritesDeliversEveryByteThenEndOfStream(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(60_000, 31);
            ByteBuffer src = ByteBuffer.wrap(payload);
            while (src.hasRemaining()) {
                ByteBuffer piece = src.slice(src.position(), Math.min(6000, src.remaining()));
                Io.writeFully(pair.client, piece);
                src.position(src.position() + piece.capacity());
            }
            pair.client.close(); // nobody has read yet
            assertArrayEquals(payload, Io.readExactly(pair.accepted, payload.length));
            assertEquals(-1, Io.await(pair.accepted.read(ByteBuffer.allocate(8))));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void groupShutdownAfterCloseStillDeliversQueuedBytes(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            // the peer lives in a group of its own, so it outlives the writer's
            Pair peer = Pair.serverOnly(flavor);
            try {
                var accept = peer.server.accept();
                var writer = pair.newChannel();
                Io.await(writer.connect(peer.server.getLocalAddress()));
                var reader = Io.await(accept);
                byte[] payload = Payload.random(30_000, 32);
                Io.writeFully(writer, ByteBuffer.wrap(payload));
                writer.close();
                pair.group.shutdown();
                assertArrayEquals(payload, Io.readExactly(reader, payload.length));
                assertEquals(-1, Io.await(reader.read(ByteBuffer.allocate(8))));
            } finally {
                peer.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aWriteToAResetPeerFailsWithAnIoException(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Io.writeFully(pair.client, "unread");
            Thread.sleep(50); // let the bytes reach the peer's socket
            pair.accepted.close(); // closing with unread bytes resets the connection
            Throwable error = null;
            for (int i = 0; i < 200 && error == null; i++) {
                try {
                    Io.await(pair.client.write(ByteBuffer.allocate(1000)));
                } catch (ExecutionException e) {
                    error = e.getCause();
                }
                Thread.sleep(5);
            }
            assertNotNull(error, "writes to a reset peer go on failing to fail");
            assertInstanceOf(IOException.class, error);
            assertFalse(error instanceof ClosedChannelException || error instanceof AsynchronousCloseException,
                    "the connection died, the channel was not closed: " + error);
        }
    }

    /** A write started by a handler on a pooled thread may complete on that thread; jring's does when queued. */
    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void aQueuedWriteFromAHandlerCompletesOnTheHandlersThread(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            CompletableFuture<Thread[]> threads = new CompletableFuture<>();
            pair.accepted.read(ByteBuffer.allocate(8), null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer n, Void a) {
                    Thread reading = Thread.currentThread();
                    pair.accepted.write(ByteBuffer.wrap(new byte[] {42}), null, new CompletionHandler<Integer, Void>() {
                        @Override
                        public void completed(Integer written, Void b) {
                            threads.complete(new Thread[] {reading, Thread.currentThread()});
                        }

                        @Override
                        public void failed(Throwable error, Void b) {
                            threads.completeExceptionally(error);
                        }
                    });
                }

                @Override
                public void failed(Throwable error, Void a) {
                    threads.completeExceptionally(error);
                }
            });
            Io.writeFully(pair.client, "go");
            Thread[] seen = threads.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
            assertSame(seen[0], seen[1], "the write's handler ran on the handler thread that wrote");
            assertEquals(42, Io.readExactly(pair.client, 1)[0]);
        }
    }
}
