package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Socket options with the JDK's defaults and checks, on every provider. */
class OptionsContractTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void newAndAcceptedChannelsHaveTheJdkDefaults(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            AsynchronousSocketChannel fresh = pair.newChannel();
            for (AsynchronousSocketChannel channel : new AsynchronousSocketChannel[] {fresh, pair.client, pair.accepted}) {
                assertFalse(channel.getOption(StandardSocketOptions.TCP_NODELAY), "TCP_NODELAY off by default");
                assertFalse(channel.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE off by default");
                assertTrue(channel.getOption(StandardSocketOptions.SO_RCVBUF) > 0);
                assertTrue(channel.getOption(StandardSocketOptions.SO_SNDBUF) > 0);
                assertTrue(channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY));
            }
            fresh.close();
            assertTrue(pair.server.getOption(StandardSocketOptions.SO_REUSEADDR), "a server reuses addresses by default");
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void optionsSetBeforeAndAfterConnectHold(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            AsynchronousSocketChannel client = pair.newChannel();
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            assertTrue(client.getOption(StandardSocketOptions.TCP_NODELAY));
            Io.await(client.connect(pair.server.getLocalAddress()));
            assertTrue(client.getOption(StandardSocketOptions.TCP_NODELAY), "set before connect, kept after");
            assertTrue(client.getOption(StandardSocketOptions.SO_KEEPALIVE), "set before connect, kept after");
            client.setOption(StandardSocketOptions.TCP_NODELAY, false);
            assertFalse(client.getOption(StandardSocketOptions.TCP_NODELAY));
            client.setOption(StandardSocketOptions.SO_SNDBUF, 65536);
            assertTrue(client.getOption(StandardSocketOptions.SO_SNDBUF) >= 65536);
            client.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void unsupportedOptionsAndBadValuesAreRefused(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            assertThrows(UnsupportedOperationException.class, () -> pair.client.getOption(StandardSocketOptions.SO_LINGER));
            assertThrows(UnsupportedOperationException.class,
                    () -> pair.client.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true));
            assertThrows(IllegalArgumentException.class, () -> pair.client.setOption(StandardSocketOptions.SO_RCVBUF, -1));
            assertThrows(IllegalArgumentException.class, () -> pair.client.setOption(StandardSocketOptions.TCP_NODELAY, null));
            assertThrows(NullPointerException.class, () -> pair.client.getOption(null));
            AsynchronousServerSocketChannel server = pair.server;
            assertThrows(UnsupportedOperationException.class, () -> server.getOption(StandardSocketOptions.TCP_NODELAY));
        }
    }
}
