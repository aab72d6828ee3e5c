package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.snippets.ApiSnippets;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unix domain sockets, path names and Linux abstract names: the same {@link Connection} over
 * AF_UNIX, the listener's socket file (removed at close, a stale one reported), the addresses
 * connections report, and the TCP options they refuse. Peers are the JDK's own
 * {@code SocketChannel}s ({@link UnixPeer}), or jring clients where the JDK cannot go (abstract names).
 */
public abstract class UnixSocketContract extends RuntimeTestBase {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A fresh socket path in this test's directory. */
    UnixDomainSocketAddress path(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    /** An abstract name no other test (or process) uses. */
    static AbstractUnixAddress abstractName() {
        return AbstractUnixAddress.of("jring-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    }

    static Listener echoServer(IoRuntime runtime, SocketAddress address) throws Exception {
        Listener listener = runtime.listen(address);
        listener.onAccept(ApiSnippets::echo);
        return listener;
    }

    /** A jring client sends {@code payload} and reads the echo back while sending: byte-exact both ways. */
    static void assertEchoed(IoRuntime runtime, SocketAddress address, byte[] payload) {
        Connection client = Await.get(runtime.connect(address));
        CompletableFuture<Void> sent = client.send(payload);
        byte[] echoed = Await.get(ApiIo.readExactly(client, payload.length));
        Await.get(sent);
        assertArrayEquals(payload, echoed, () -> Payloads.difference(payload, echoed));
        Await.get(client.close());
    }

    @Test
    void pathNameEchoesOneMebibyteBothWaysWithJringAndJdkClients() throws Exception {
        IoRuntime runtime = open(2);
        int baseline = idleBaseline(runtime);
        UnixDomainSocketAddress address = path("echo.sock");
        Listener listener = echoServer(runtime, address);
        assertEquals(address, listener.localAddress());
        assertTrue(Files.exists(address.getPath()), "bind made the socket file");

        assertEchoed(runtime, address, Payloads.random(1, MIB));
        try (UnixPeer peer = UnixPeer.connect(address)) {
            byte[] payload = Payloads.random(2, MIB);
            assertArrayEquals(payload, peer.echo(payload), "a JDK client's 1 MiB comes back byte-exact");
        }
        Await.get(listener.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void abstractNameEchoesOneMebibyteAndLeavesNoFile() throws Exception {
        IoRuntime runtime = open(2);
        AbstractUnixAddress address = abstractName();
        Listener listener = echoServer(runtime, address);
        assertEquals(address, listener.localAddress());
        assertEchoed(runtime, address, Payloads.random(3, MIB));
        assertEchoed(runtime, address, Payloads.random(4, 1));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "an abstract name makes no file");
        }
        Await.get(listener.close());
        NativeIoException gone = Await.failure(runtime.connect(address), NativeIoException.class);
        assertEquals("ECONNREFUSED", gone.errnoName(), gone.getMessage());
    }

    @Test
    void abstractNamesAreExactBytesAndPrintLikeSs() {
        assertEquals("@jring", AbstractUnixAddress.of("jring").toString());
        assertEquals(AbstractUnixAddress.of("a"), AbstractUnixAddress.ofBytes(new byte[] {'a'}));
        assertFalse(AbstractUnixAddress.of("a").equals(AbstractUnixAddress.ofBytes(new byte[] {'a', 0})),
                "a trailing NUL is part of an abstract name");
        assertEquals("@[hex 0001]", AbstractUnixAddress.ofBytes(new byte[] {0, 1}).toString());
        assertThrows(IllegalArgumentException.class, () -> AbstractUnixAddress.of(""));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> AbstractUnixAddress.of("x".repeat(108)));
        assertTrue(tooLong.getMessage().contains("107"), tooLong.getMessage());
        assertEquals(107, AbstractUnixAddress.of("x".repeat(107)).nameBytes().length);
    }

    @Test
    void addressesOfBothEndsForPathAndAbstractNames() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress unnamed = UnixDomainSocketAddress.of("");
        for (SocketAddress address : List.of(path("addr.sock"), abstractName())) {
            Listener listener = runtime.listen(address);
            CompletableFuture<Connection> accepted = listener.accept();
            Connection client = Await.get(runtime.connect(address));
            Connection server = Await.get(accepted);
            assertEquals(address, server.localAddress(), "the accepted side is bound to the listener's name");
            assertEquals(unnamed, server.remoteAddress(), "a client binds no name");
            assertEquals(address, client.remoteAddress());
            assertEquals(unnamed, client.localAddress());
            Await.get(client.close());
            Await.get(server.close());
            assertEquals(address, server.localAddress(), "kept once asked, also after close");
            Await.get(listener.close());
        }
    }

    @Test
    void theSocketFileIsRemovedWhenTheListenerOrTheRuntimeCloses() throws Exception {
        IoRuntime runtime = open(2);
        UnixDomainSocketAddress first = path("first.sock");
        Listener listener = runtime.listen(first);
        assertTrue(Files.exists(first.getPath()));
        Await.get(listener.close());
        assertFalse(Files.exists(first.getPath()), "listener.close() removed the socket file");
        Await.get(runtime.listen(first).close()); // and the path can be listened on again at once

        IoRuntime other = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(2).withBackend(backend()));
        UnixDomainSocketAddress second = path("second.sock");
        other.listen(second).onAccept(Connection::close);
        assertTrue(Files.exists(second.getPath()));
        other.close();
        assertFalse(Files.exists(second.getPath()), "runtime.close() removed the socket file of a listener left open");
    }

    @Test
    void aFileSomeoneElsePutAtThePathAfterBindIsNotRemoved() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress address = path("replaced.sock");
        Listener listener = runtime.listen(address);
        Files.delete(address.getPath());
        Files.writeString(address.getPath(), "not ours");
        Await.get(listener.close());
        assertEquals("not ours", Files.readString(address.getPath()), "only the file the listener bound is removed");
    }

    @Test
    void aStaleSocketFileIsReportedWithItsPathAndWhatToDo() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress address = path("stale.sock");
        // A server that exits without removing its file: the JDK's channel leaves it on close.
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(address);
        }
        assertTrue(Files.exists(address.getPath()));
        NativeIoException stale = assertThrows(NativeIoException.class, () -> runtime.listen(address));
        assertEquals("EADDRINUSE", stale.errnoName());
        String message = stale.getMessage();
        assertTrue(message.contains(address.getPath().toString()) && message.contains("stale")
                && message.contains("rm "), message);
        assertTrue(Files.exists(address.getPath()), "jring reports a stale file and never removes it itself");

        Files.delete(address.getPath()); // what the message says to do
        Await.get(runtime.listen(address).close());
    }

    @Test
    void aPathInUseByALiveServerOrByAnotherFileIsReportedAsSuch() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress live = path("live.sock");
        Listener first = runtime.listen(live);
        NativeIoException taken = assertThrows(NativeIoException.class, () -> runtime.listen(live));
        assertEquals("EADDRINUSE", taken.errnoName());
        assertTrue(taken.getMessage().contains("another server is listening on " + live.getPath()), taken.getMessage());
        Await.get(first.close());

        UnixDomainSocketAddress plain = path("plain-file");
        Files.writeString(plain.getPath(), "data");
        NativeIoException notSocket = assertThrows(NativeIoException.class, () -> runtime.listen(plain));
        assertTrue(notSocket.getMessage().contains("not a socket"), notSocket.getMessage());
        assertEquals("data", Files.readString(plain.getPath()), "a file in the way is left alone");

        AbstractUnixAddress name = abstractName();
        Listener holder = runtime.listen(name);
        NativeIoException abstractTaken = assertThrows(NativeIoException.class, () -> runtime.listen(name));
        assertTrue(abstractTaken.getMessage().contains("abstract name"), abstractTaken.getMessage());
        Await.get(holder.close());
    }

    @Test
    void connectingToAPathWithNoSocketFailsWithEnoentNamingThePath() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress nowhere = path("nobody-here.sock");
        NativeIoException missing = Await.failure(runtime.connect(nowhere), NativeIoException.class);
        assertEquals("ENOENT", missing.errnoName());
        assertTrue(missing.getMessage().contains(nowhere.getPath().toString())
                && missing.getMessage().contains("no socket file"), missing.getMessage());
    }

    @Test
    void aPathLongerThanSockaddrUnHoldsIsRefusedBeforeTheKernel() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress tooLong = UnixDomainSocketAddress.of(dir.resolve("x".repeat(120)));
        IllegalArgumentException listening = assertThrows(IllegalArgumentException.class, () -> runtime.listen(tooLong));
        assertTrue(listening.getMessage().contains("too long") && listening.getMessage().contains("107"),
                listening.getMessage());
        IllegalArgumentException connecting = Await.failure(runtime.connect(tooLong), IllegalArgumentException.class);
        assertTrue(connecting.getMessage().contains("too long"), connecting.getMessage());
        assertFalse(Files.exists(tooLong.getPath()), "nothing was bound (a cut path would bind elsewhere)");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no shortened path was bound either");
        }
        // 108 bytes is refused, exactly 107 fits (and works), an empty path is refused.
        int room = 107 - dir.toString().length() - 1;
        UnixDomainSocketAddress longest = UnixDomainSocketAddress.of(dir.resolve("y".repeat(room)));
        assertEquals(107, longest.getPath().toString().length());
        assertThrows(IllegalArgumentException.class,
                () -> runtime.listen(UnixDomainSocketAddress.of(dir.resolve("z".repeat(room + 1)))));
        assertThrows(IllegalArgumentException.class, () -> runtime.listen(UnixDomainSocketAddress.of("")));
        Listener listener = echoServer(runtime, longest);
        assertEchoed(runtime, longest, Payloads.random(6, 1000));
        assertEquals(longest, Await.get(runtime.connect(longest)).remoteAddress(), "read back whole from the kernel");
        Await.get(listener.close());
        assertFalse(Files.exists(longest.getPath()));
    }

    @Test
    void otherAddressTypesAreRefusedNamingTheOnesJringTakes() throws Exception {
        IoRuntime runtime = open(1);
        SocketAddress foreign = new SocketAddress() {};
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> runtime.listen(foreign));
        assertTrue(refused.getMessage().contains("UnixDomainSocketAddress"), refused.getMessage());
        assertInstanceOf(IllegalArgumentException.class, Await.failure(runtime.connect(foreign)));
    }

    @Test
    void tcpOptionsAreRefusedNamingTheOptionAndBufferSizesWork() throws Exception {
        IoRuntime runtime = open(1);
        UnixDomainSocketAddress address = path("options.sock");
        Listener listener = runtime.listen(address, ListenOptions.DEFAULT.withReceiveBufferSize(64 * 1024));
        CompletableFuture<Connection> accepted = listener.accept();
        Connection client = Await.get(runtime.connect(address));
        Connection server = Await.get(accepted);
        List<SocketOption<?>> tcpOnly = List.of(StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
                StandardSocketOptions.IP_TOS, StandardSocketOptions.SO_LINGER);
        for (Connection connection : List.of(client, server)) {
            for (SocketOption<?> option : tcpOnly) {
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> connection.getOption(option));
                assertTrue(refused.getMessage().contains(option.name()) && refused.getMessage().contains("Unix"),
                        refused.getMessage());
            }
            IllegalArgumentException noDelay = assertThrows(IllegalArgumentException.class,
                    () -> connection.setOption(StandardSocketOptions.TCP_NODELAY, true));
            assertTrue(noDelay.getMessage().startsWith("TCP_NODELAY is a TCP/IP option"), noDelay.getMessage());
            connection.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
            assertEquals(64 * 1024, connection.getOption(StandardSocketOptions.SO_SNDBUF), "Linux doubles it");
            assertTrue(connection.getOption(StandardSocketOptions.SO_RCVBUF) > 0);
        }
        Await.get(client.close());
        Await.get(server.close());
        Await.get(listener.close());
    }
}
