package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Misuse and churn a server meets in production, on every provider. */
class AttackTest {

    /**
     * 1000 connections, each closed with a direct-buffer read pending on its accepted side: no
     * descriptor is left open, and no direct buffer is held once its channel is closed.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aThousandChannelsOpenedAndClosedLeaveNoDescriptorAndHoldNoBuffer(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            churn(pair, 20, new ArrayList<>()); // the provider's own lazily made descriptors first
            long before = openDescriptors();
            List<WeakReference<ByteBuffer>> buffers = new ArrayList<>();
            churn(pair, 1000, buffers);
            assertEquals(before, openDescriptors(), flavor + ": descriptors left open by 1000 closed channels");
            for (int i = 0; i < 10 && alive(buffers) > 0; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(0, alive(buffers), flavor + ": direct buffers of closed channels' reads still held");
        }
    }

    /** Closing while a read into a direct buffer is pending fails it, and only it; the peer sees end of stream. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closingWithADirectReadPendingFailsItAndThePeerSeesTheEnd(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer dst = ByteBuffer.allocateDirect(1 << 16);
            var read = pair.accepted.read(dst);
            pair.accepted.close();
            assertInstanceOf(AsynchronousCloseException.class, Io.failure(read));
            assertEquals(0, dst.position());
            assertEquals(-1, Io.await(pair.client.read(ByteBuffer.allocateDirect(8))));
        }
    }

    /**
     * shutdownNow while every thread of the group's pool is blocked in a handler: it returns
     * without waiting for them, closes every channel, fails every pending read; the group
     * terminates only once the blocked handlers return, and then every owed handler has run.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void shutdownNowWithEveryHandlerThreadBlocked(Flavor flavor) throws Exception {
        int threads = 2;
        ExecutorService executor = Executors.newFixedThreadPool(threads, Pair.named("blocked-"));
        AsynchronousChannelGroup group = flavor.provider().openAsynchronousChannelGroup(executor, 0);
        AsynchronousServerSocketChannel server = flavor.provider().openAsynchronousServerSocketChannel(group)
                .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(threads);
        List<AsynchronousSocketChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < threads + 4; i++) {
                var accept = server.accept();
                AsynchronousSocketChannel client = flavor.provider().openAsynchronousSocketChannel(group);
                client.connect(server.getLocalAddress()).get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
                channels.add(client);
                channels.add(accept.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
            }
            // The first `threads` accepted channels get a byte; their handlers block the pool.
            AtomicInteger ended = new AtomicInteger();
            List<CompletableFuture<Object>> pending = new ArrayList<>();
            for (int i = 0; i < threads + 4; i++) {
                AsynchronousSocketChannel accepted = channels.get(2 * i + 1);
                boolean blocks = i < threads;
                CompletableFuture<Object> outcome = new CompletableFuture<>();
                pending.add(outcome);
                accepted.read(ByteBuffer.allocateDirect(16), null, new CompletionHandler<Integer, Void>() {
                    @Override
                    public void completed(Integer n, Void a) {
                        ended.incrementAndGet();
                        outcome.complete(n);
                        if (blocks) {
                            blocked.countDown();
                            awaitQuietly(release);
                        }
                    }

                    @Override
                    public void failed(Throwable error, Void a) {
                        ended.incrementAndGet();
                        outcome.complete(error);
                    }
                });
                if (blocks) {
                    Io.writeFully(channels.get(2 * i), "x");
                }
            }
            assertTrue(blocked.await(Pair.WAIT_SECONDS, TimeUnit.SECONDS), "handlers block every pool thread");

            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
                try {
                    group.shutdownNow();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            shutdown.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS); // returns without waiting for the handlers
            assertTrue(group.isShutdown());
            for (AsynchronousSocketChannel channel : channels) {
                assertFalse(channel.isOpen(), "shutdownNow closes every channel of the group");
            }
            assertFalse(server.isOpen());
            assertFalse(group.isTerminated(), "handlers are still running");
            assertFalse(group.awaitTermination(100, TimeUnit.MILLISECONDS), "handlers are still running");

            release.countDown();
            assertTrue(group.awaitTermination(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(group.isTerminated());
            for (int i = threads; i < pending.size(); i++) {
                Object outcome = pending.get(i).get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
                // closed under the read, or its peer's close seen first: either way it ended
                assertTrue(outcome instanceof AsynchronousCloseException || Integer.valueOf(-1).equals(outcome),
                        "pending read " + i + " ended with " + outcome);
            }
            assertEquals(pending.size(), ended.get(), "every owed handler ran exactly once");
        } finally {
            release.countDown();
            group.shutdownNow();
            group.awaitTermination(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static void churn(Pair pair, int count, List<WeakReference<ByteBuffer>> buffers) throws Exception {
        for (int i = 0; i < count; i++) {
            var accept = pair.server.accept();
            AsynchronousSocketChannel client = pair.newChannel();
            client.connect(pair.server.getLocalAddress()).get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
            AsynchronousSocketChannel accepted = accept.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
            ByteBuffer dst = ByteBuffer.allocateDirect(1024);
            buffers.add(new WeakReference<>(dst));
            var read = accepted.read(dst);
            if (i % 2 == 0) {
                accepted.close();
                client.close();
            } else {
                client.close(); // the read sees end of stream first
                Io.await(read);
                accepted.close();
            }
            try {
                Io.await(read);
            } catch (java.util.concurrent.ExecutionException e) {
                assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            }
        }
    }

    private static long alive(List<WeakReference<ByteBuffer>> buffers) {
        return buffers.stream().filter(ref -> ref.get() != null).count();
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(Pair.WAIT_SECONDS * 3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
