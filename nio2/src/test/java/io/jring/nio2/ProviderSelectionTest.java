package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.IllegalChannelGroupException;
import java.nio.channels.spi.AsynchronousChannelProvider;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How code that never heard of jring ends up on it, and the default group. */
class ProviderSelectionTest {

    /** The jar's META-INF/services entry makes jring's the provider behind AsynchronousSocketChannel.open(). */
    @Test
    void theJarOnTheClassPathIsEnoughToBeTheSystemWideProvider() throws Exception {
        assertInstanceOf(JringAsynchronousChannelProvider.class, AsynchronousChannelProvider.provider());
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             AsynchronousSocketChannel client = AsynchronousSocketChannel.open()) {
            assertInstanceOf(JringAsynchronousChannelProvider.class, server.provider());
            var accept = server.accept();
            Io.await(client.connect(server.getLocalAddress()));
            try (AsynchronousSocketChannel accepted = Io.await(accept)) {
                // default group: the handler runs on one of its daemon threads, not on a jring loop
                Io.Recorder<Integer> read = new Io.Recorder<>();
                accepted.read(ByteBuffer.allocate(3), 0, TimeUnit.SECONDS, null, read);
                Io.writeFully(client, "abc");
                assertEquals(3, read.result());
                Io.assertThreadFromPool(read.thread, "jring-nio2-default-group");
                assertTrue(read.thread.isDaemon(), "the default group's threads must not keep the JVM alive");
            }
        }
    }

    @Test
    void aGroupOfAnotherProviderIsRefused() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        AsynchronousChannelGroup jdkGroup = Flavor.JDK.provider().openAsynchronousChannelGroup(executor, 1);
        try {
            assertThrows(IllegalChannelGroupException.class,
                    () -> Flavor.JRING_EPOLL.provider().openAsynchronousSocketChannel(jdkGroup));
            assertThrows(IllegalChannelGroupException.class,
                    () -> Flavor.JRING_EPOLL.provider().openAsynchronousServerSocketChannel(jdkGroup));
        } finally {
            jdkGroup.shutdownNow();
            assertTrue(jdkGroup.awaitTermination(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }
}
