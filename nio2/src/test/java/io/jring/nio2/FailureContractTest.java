package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.WritePendingException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every exception the specification names for a socket channel, on every provider. */
class FailureContractTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aReadTimeoutFailsWithInterruptedByTimeoutException(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Io.Recorder<Integer> read = new Io.Recorder<>();
            ByteBuffer dst = ByteBuffer.allocate(16);
            pair.accepted.read(dst, 50, TimeUnit.MILLISECONDS, null, read);
            assertInstanceOf(InterruptedByTimeoutException.class, read.error());
            assertEquals(0, dst.position(), "a timed-out read takes no bytes");
            Io.writeFully(pair.client, "after");
            if (flavor.isJdk()) {
                // The JDK cannot rule out that bytes were read, so it refuses further reads.
                assertThrows(IllegalStateException.class, () -> pair.accepted.read(ByteBuffer.allocate(16)));
            } else {
                // jring can: a timed-out receive's bytes go to the next one. Reading goes on, nothing lost.
                assertEquals("after", Io.readString(pair.accepted, 5));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aWriteTimeoutFailsWithInterruptedByTimeoutExceptionAndWritingStops(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            Throwable error = null;
            // The peer never reads: the socket buffers fill and some write must time out.
            for (int i = 0; i < 256 && error == null; i++) {
                chunk.clear();
                Io.Recorder<Integer> write = new Io.Recorder<>();
                pair.client.write(chunk, 100, TimeUnit.MILLISECONDS, null, write);
                try {
                    write.result();
                } catch (java.util.concurrent.ExecutionException e) {
                    error = e.getCause();
                }
            }
            assertInstanceOf(InterruptedByTimeoutException.class, error);
            assertThrows(IllegalStateException.class, () -> pair.client.write(ByteBuffer.allocate(1)),
                    "after a write timeout bytes may have gone out: further writes are refused");
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSecondWriteWhileOneIsPendingThrowsWritePendingException(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Future<Integer> stuck = fillUntilAWriteWaits(pair.client);
            assertThrows(WritePendingException.class, () -> pair.client.write(ByteBuffer.allocate(1)));
            pair.client.close();
            assertInstanceOf(AsynchronousCloseException.class, Io.failure(stuck),
                    "close fails the pending write with AsynchronousCloseException");
        }
    }

    /**
     * Writes 1 MiB at a time to a peer that does not read until one write stays pending (a
     * second without completing: once the socket buffers are full it never will).
     */
    static Future<Integer> fillUntilAWriteWaits(AsynchronousSocketChannel channel) throws Exception {
        for (int i = 0; i < 256; i++) {
            Future<Integer> write = channel.write(ByteBuffer.allocate(1 << 20));
            try {
                write.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException stillPending) {
                return write;
            }
        }
        throw new AssertionError("256 MiB went into a socket nobody reads");
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void closeFailsAPendingReadWithAsynchronousCloseExceptionInBothForms(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Io.Recorder<Integer> handlerRead = new Io.Recorder<>();
            pair.client.read(ByteBuffer.allocate(8), 0, TimeUnit.SECONDS, "att", handlerRead);
            pair.client.close();
            assertInstanceOf(AsynchronousCloseException.class, handlerRead.error());
            assertEquals("att", handlerRead.attachment);
            Io.assertThreadFromPool(handlerRead.thread, Pair.POOL_PREFIX);

            pair.connect(); // a second connection (closing a peer would end the other's read normally)
            Future<Integer> futureRead = pair.client.read(ByteBuffer.allocate(8));
            pair.client.close();
            assertInstanceOf(AsynchronousCloseException.class, Io.failure(futureRead));
            assertFalse(pair.client.isOpen());
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void operationsOnAClosedChannelFailWithClosedChannelException(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            pair.client.close();
            pair.client.close(); // idempotent
            assertInstanceOf(ClosedChannelException.class, Io.failure(pair.client.read(ByteBuffer.allocate(1))));
            assertInstanceOf(ClosedChannelException.class, Io.failure(pair.client.write(ByteBuffer.allocate(1))));
            Io.Recorder<Integer> read = new Io.Recorder<>();
            pair.client.read(ByteBuffer.allocate(1), 0, TimeUnit.SECONDS, null, read);
            assertInstanceOf(ClosedChannelException.class, read.error());
            assertThrows(ClosedChannelException.class, pair.client::getLocalAddress);
            assertThrows(ClosedChannelException.class, pair.client::getRemoteAddress);
            assertThrows(ClosedChannelException.class, () -> pair.client.setOption(StandardSocketOptions.TCP_NODELAY, true));
            assertThrows(ClosedChannelException.class, () -> pair.client.getOption(StandardSocketOptions.TCP_NODELAY));
            assertThrows(ClosedChannelException.class, pair.client::shutdownOutput);
            assertInstanceOf(ClosedChannelException.class,
                    Io.failure(pair.client.connect(pair.server.getLocalAddress())));
            // the peer sees the close as end of stream
            assertEquals(-1, Io.await(pair.accepted.read(ByteBuffer.allocate(1))));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aRefusedConnectFailsWithConnectExceptionAndClosesTheChannel(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            SocketAddress nobody = pair.server.getLocalAddress();
            pair.server.close();
            AsynchronousSocketChannel channel = pair.newChannel();
            assertInstanceOf(ConnectException.class, Io.failure(channel.connect(nobody)));
            assertFalse(channel.isOpen(), "a failed connect closes the channel");

            AsynchronousSocketChannel viaHandler = pair.newChannel();
            Io.Recorder<Void> connect = new Io.Recorder<>();
            viaHandler.connect(nobody, "a", connect);
            assertInstanceOf(ConnectException.class, connect.error());
            Io.assertThreadFromPool(connect.thread, Pair.POOL_PREFIX);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void unconnectedAlreadyConnectedAndBadAddressesAreRefused(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            AsynchronousSocketChannel fresh = pair.newChannel();
            assertThrows(NotYetConnectedException.class, () -> fresh.read(ByteBuffer.allocate(1)));
            assertThrows(NotYetConnectedException.class, () -> fresh.write(ByteBuffer.allocate(1)));
            assertThrows(NotYetConnectedException.class, fresh::shutdownInput);
            assertEquals(null, fresh.getRemoteAddress());
            assertThrows(UnresolvedAddressException.class,
                    () -> fresh.connect(InetSocketAddress.createUnresolved("no.such.host.invalid", 80)));
            assertThrows(UnsupportedAddressTypeException.class, () -> fresh.connect(new SocketAddress() { }));
            fresh.close();
            assertThrows(AlreadyConnectedException.class, () -> pair.client.connect(pair.server.getLocalAddress()));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void addressesMatchAcrossTheConnection(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            assertEquals(pair.client.getLocalAddress(), pair.accepted.getRemoteAddress());
            assertEquals(pair.client.getRemoteAddress(), pair.accepted.getLocalAddress());
            assertEquals(pair.server.getLocalAddress(), pair.client.getRemoteAddress());
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void ipv6LoopbackWorks(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor, InetAddress.getByName("::1"))) {
            InetSocketAddress remote = (InetSocketAddress) pair.client.getRemoteAddress();
            assertEquals(InetAddress.getByName("::1"), remote.getAddress());
            Io.writeFully(pair.client, "six");
            assertEquals("six", Io.readString(pair.accepted, 3));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void shutdownInputReadsEndOfStreamAndShutdownOutputEndsThePeersStream(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            pair.accepted.shutdownInput();
            assertEquals(-1, Io.await(pair.accepted.read(ByteBuffer.allocate(4))));
            pair.accepted.shutdownOutput();
            assertEquals(-1, Io.await(pair.client.read(ByteBuffer.allocate(4))));
            assertInstanceOf(ClosedChannelException.class, Io.failure(pair.accepted.write(
                    ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)))), "writing after shutdownOutput");
            assertTrue(pair.accepted.isOpen(), "half-closed both ways, still open");
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aServerBindsOnceAndItsPortOnce(Flavor flavor) throws Exception {
        try (Pair pair = Pair.serverOnly(flavor)) {
            assertThrows(java.nio.channels.AlreadyBoundException.class,
                    () -> pair.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            AsynchronousServerSocketChannel second = pair.provider.openAsynchronousServerSocketChannel(pair.group);
            assertThrows(java.net.BindException.class, () -> second.bind(pair.server.getLocalAddress()));
            second.close();
        }
    }
}
