package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AcceptPendingException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The server channel: accept in both forms and its exceptions, on every provider. */
class AcceptContractTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void acceptWithAHandlerGivesAConnectedChannelOnAPoolThread(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            Io.Recorder<AsynchronousSocketChannel> accept = new Io.Recorder<>();
            Object attachment = new Object();
            pair.server.accept(attachment, accept);
            AsynchronousSocketChannel client = pair.newChannel();
            Io.await(client.connect(pair.server.getLocalAddress()));
            AsynchronousSocketChannel accepted = accept.result();
            assertSame(attachment, accept.attachment);
            Io.assertThreadFromPool(accept.thread, Pair.POOL_PREFIX);
            assertSame(pair.provider, accepted.provider());
            assertEquals(client.getLocalAddress(), accepted.getRemoteAddress());
            Io.writeFully(accepted, "hi");
            assertEquals("hi", Io.readString(client, 2));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void manyConnectionsAreEachAcceptedOnce(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            for (int i = 0; i < 20; i++) {
                Future<AsynchronousSocketChannel> accept = pair.server.accept();
                AsynchronousSocketChannel client = pair.newChannel();
                Io.await(client.connect(pair.server.getLocalAddress()));
                AsynchronousSocketChannel accepted = Io.await(accept);
                Io.writeFully(client, "#" + (char) ('a' + i));
                assertEquals("#" + (char) ('a' + i), Io.readString(accepted, 2));
                client.close();
                accepted.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSecondAcceptThrowsAcceptPendingAndCloseFailsThePendingOne(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            Future<AsynchronousSocketChannel> pending = pair.server.accept();
            assertThrows(AcceptPendingException.class, () -> pair.server.accept());
            pair.server.close();
            assertInstanceOf(AsynchronousCloseException.class, Io.failure(pending));
            assertInstanceOf(ClosedChannelException.class, Io.failure(pair.server.accept()));
            assertThrows(ClosedChannelException.class, pair.server::getLocalAddress);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void acceptOnAnUnboundServerThrowsNotYetBound(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            AsynchronousServerSocketChannel unbound = pair.provider.openAsynchronousServerSocketChannel(pair.group);
            assertEquals(null, unbound.getLocalAddress());
            assertThrows(NotYetBoundException.class, unbound::accept);
            unbound.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aServerClosedIsAPortFreeAgain(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            InetSocketAddress address = (InetSocketAddress) pair.server.getLocalAddress();
            pair.server.close();
            AsynchronousServerSocketChannel again = pair.provider.openAsynchronousServerSocketChannel(pair.group);
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), address.getPort()));
            assertEquals(address, again.getLocalAddress());
            again.close();
        }
    }

    /**
     * Cancelling a pending accept: the specification leaves what follows open. The JDK refuses
     * every later accept (a RuntimeException); jring goes on accepting, and a connection
     * accepted as the cancel happened goes to the next accept.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCancelledAcceptLosesNoConnection(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            Future<AsynchronousSocketChannel> cancelled = pair.server.accept();
            assertEquals(true, cancelled.cancel(false));
            assertEquals(true, cancelled.isCancelled());
            if (flavor.isJdk()) {
                assertThrows(RuntimeException.class, () -> pair.server.accept());
                return;
            }
            Future<AsynchronousSocketChannel> next = pair.server.accept();
            AsynchronousSocketChannel client = pair.newChannel();
            Io.await(client.connect(pair.server.getLocalAddress()));
            AsynchronousSocketChannel accepted = Io.await(next);
            Io.writeFully(client, "ok");
            assertEquals("ok", Io.readString(accepted, 2));
        }
    }
}
