package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ShutdownChannelGroupException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Groups: where handlers run, and shutdown, on every provider. */
class GroupContractTest {

    /**
     * A handler that blocks for a second runs on the group's executor and stalls no other
     * channel: a whole round trip on a second connection completes while it still blocks. (After
     * its second it keeps blocking until that round trip is done, up to 10 s, so the check does
     * not depend on how fast the machine is: a provider that stalled would never finish it.)
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aHandlerBlockingASecondStallsNoOtherChannel(Flavor flavor) throws Exception {
        try (Pair slow = Pair.open(flavor)) {
            AsynchronousSocketChannel otherClient = slow.newChannel();
            Future<AsynchronousSocketChannel> otherAccept = slow.server.accept();
            Io.await(otherClient.connect(slow.server.getLocalAddress()));
            AsynchronousSocketChannel otherServer = Io.await(otherAccept);

            CountDownLatch blocking = new CountDownLatch(1);
            CountDownLatch otherDone = new CountDownLatch(1);
            CompletableFuture<Boolean> otherFinishedWhileBlocked = new CompletableFuture<>();
            CompletableFuture<Thread> blockedThread = new CompletableFuture<>();
            slow.accepted.read(ByteBuffer.allocate(4), 0, TimeUnit.SECONDS, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer result, Void attachment) {
                    blockedThread.complete(Thread.currentThread());
                    blocking.countDown();
                    try {
                        Thread.sleep(1000); // blocks its pool thread for a second
                        otherFinishedWhileBlocked.complete(otherDone.await(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        otherFinishedWhileBlocked.completeExceptionally(e);
                    }
                }

                @Override
                public void failed(Throwable error, Void attachment) {
                    blockedThread.completeExceptionally(error);
                }
            });
            Io.writeFully(slow.client, "slow");
            assertTrue(blocking.await(Pair.WAIT_SECONDS, TimeUnit.SECONDS));

            // meanwhile, a round trip on the other connection through handlers
            Io.Recorder<Integer> otherRead = new Io.Recorder<>();
            otherServer.read(ByteBuffer.allocate(4), 0, TimeUnit.SECONDS, null, otherRead);
            Io.writeFully(otherClient, "fast");
            assertEquals(4, otherRead.result());
            Io.assertThreadFromPool(otherRead.thread, Pair.POOL_PREFIX);
            otherDone.countDown();

            assertTrue(otherFinishedWhileBlocked.get(2 * Pair.WAIT_SECONDS, TimeUnit.SECONDS),
                    "the other connection waited for the blocked handler");
            Io.assertThreadFromPool(Io.await(blockedThread), Pair.POOL_PREFIX);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aFixedThreadPoolGroupRunsHandlersOnThreadsOfItsFactory(Flavor flavor) throws Exception {
        AsynchronousChannelGroup group = flavor.provider().openAsynchronousChannelGroup(2, Pair.named("fixed-"));
        try {
            AsynchronousServerSocketChannel server = flavor.provider().openAsynchronousServerSocketChannel(group)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Io.Recorder<AsynchronousSocketChannel> accept = new Io.Recorder<>();
            server.accept(null, accept);
            AsynchronousSocketChannel client = flavor.provider().openAsynchronousSocketChannel(group);
            Io.Recorder<Void> connect = new Io.Recorder<>();
            client.connect(server.getLocalAddress(), null, connect);
            connect.result();
            accept.result();
            Io.assertThreadFromPool(connect.thread, "fixed-");
            Io.assertThreadFromPool(accept.thread, "fixed-");
        } finally {
            group.shutdownNow();
            assertTrue(group.awaitTermination(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void shutdownWaitsForTheLastChannelAndRefusesNewOnes(Flavor flavor) throws Exception {
        ExecutorService executor = Executors.newCachedThreadPool(Pair.named("cached-"));
        AsynchronousChannelGroup group = flavor.provider().openAsynchronousChannelGroup(executor, 1);
        AsynchronousSocketChannel channel = flavor.provider().openAsynchronousSocketChannel(group);
        assertFalse(group.isShutdown());
        group.shutdown();
        assertTrue(group.isShutdown());
        assertFalse(group.isTerminated(), "a channel is still open");
        assertThrows(ShutdownChannelGroupException.class, () -> flavor.provider().openAsynchronousSocketChannel(group));
        assertFalse(group.awaitTermination(50, TimeUnit.MILLISECONDS));
        channel.close();
        assertTrue(group.awaitTermination(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(group.isTerminated());
        assertTrue(executor.isShutdown(), "termination shuts the group's executor down");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void shutdownNowClosesEveryChannelAndFailsWhatIsPending(Flavor flavor) throws Exception {
        Pair pair = Pair.open(flavor);
        Io.Recorder<Integer> read = new Io.Recorder<>();
        pair.accepted.read(ByteBuffer.allocate(4), 0, TimeUnit.SECONDS, null, read);
        pair.group.shutdownNow();
        // Ended either way: closed under it, or end of stream if its peer's close was seen first.
        try {
            assertEquals(-1, read.result());
        } catch (java.util.concurrent.ExecutionException e) {
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        }
        assertFalse(pair.client.isOpen());
        assertFalse(pair.server.isOpen());
        assertTrue(pair.group.awaitTermination(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
        pair.close();
    }
}
