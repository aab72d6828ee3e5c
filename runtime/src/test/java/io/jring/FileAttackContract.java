package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attacks on {@link AsyncFile} and {@link Connection#sendFile} as a careless or hostile user
 * makes them: running out of descriptors, absurd positions, calls on and racing with a closed
 * file, and many clients that ask for a large file and never read. Each must fail the one
 * call it concerns, clearly, and leave the loop serving.
 */
@Timeout(180)
public abstract class FileAttackContract extends RuntimeTestBase {
    private final List<Path> temporary = new ArrayList<>();

    /** {@code -Djring.probe.hideOps} for this suite's runtimes ("" for none). */
    protected String hiddenOps() {
        return "";
    }

    /** A runtime with {@link #hiddenOps()} hidden and {@code options} forced onto the backend. */
    protected IoRuntime runtime(IoRuntimeOptions options) throws IOException {
        String before = System.getProperty("jring.probe.hideOps");
        System.setProperty("jring.probe.hideOps", hiddenOps());
        try {
            return open(options);
        } finally {
            if (before == null) {
                System.clearProperty("jring.probe.hideOps");
            } else {
                System.setProperty("jring.probe.hideOps", before);
            }
        }
    }

    private Path tempFile(long size) throws IOException {
        Path path = Files.createTempFile("jring-file-attack", ".bin");
        temporary.add(path);
        byte[] chunk = new byte[1 << 20];
        new Random(size).nextBytes(chunk);
        try (var out = Files.newOutputStream(path)) {
            for (long at = 0; at < size; at += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, size - at));
            }
        }
        return path;
    }

    @AfterEach
    void deleteTemporary() throws IOException {
        for (Path path : temporary) {
            Files.deleteIfExists(path);
        }
    }

    /**
     * openFile until the process runs out of descriptors (a child JVM under {@code prlimit
     * --nofile}): the failing open names openat, EMFILE and what to do; the loop keeps serving
     * an echo meanwhile, and a sendFile then (which on io_uring needs a pipe) succeeds or fails
     * alone, naming pipe2; the files closed afterwards give their descriptors back, so as many
     * open again.
     */
    @Test
    void openingFilesUntilEmfileFailsClearlyAndClosingThemFreesTheirDescriptors() throws Exception {
        Path path = tempFile(4096);
        List<String> prlimit = List.of("prlimit", "--nofile=256:256", "--");
        try (ChildJvm child = ChildJvm.startUnder(prlimit, List.of("-Djring.probe.hideOps=" + hiddenOps()),
                FileLimitMain.class, backend().name(), path.toString())) {
            try {
                String opened = child.readLine();
                assertNotNull(opened, child::stderr);
                assertTrue(opened.startsWith("opened "), opened);
                assertTrue(Integer.parseInt(opened.substring(7)) > 50, opened);
                String error = child.readLine();
                assertTrue(error.startsWith("error ") && error.contains("openat") && error.contains("EMFILE")
                        && error.contains("ulimit -n") && error.contains(path.toString()), error);
                assertEquals("echo during the shortage: ok", child.readLine());
                // On io_uring a sendFile needs a pipe (two descriptors): it may fail, alone and clearly.
                String sendFile = child.readLine();
                assertTrue(sendFile.equals("sendFile during the shortage: ok")
                        || sendFile.startsWith("sendFile during the shortage: failed io.jring.NativeIoException: pipe2")
                        && sendFile.contains("EMFILE") && sendFile.contains("ulimit -n"), sendFile);
                assertEquals("reopened after close: all", child.readLine());
                assertEquals("echo after: ok", child.readLine());
                assertEquals("buffers in use after close: 0", child.readLine());
                assertEquals(null, child.readLine());
                assertEquals(0, child.waitFor(30));
                assertFalse(child.stderr().contains("threw from"), "a shortage is no bug to log with a stack");
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\nthe child's stderr:\n" + child.stderr(), e);
            }
        }
    }

    /**
     * Positions the kernel cannot serve: far past the end reads end of file; at the very top of
     * the range (where offset + length overflows) reads end or fail with the errno, and so do
     * writes there; a negative position is refused on the caller's thread, taking nothing (the
     * buffer stays the caller's). Then the file reads as before.
     */
    @Test
    void absurdPositionsEndOrFailTheirCallAloneAndNegativeOnesAreRefused() throws Exception {
        IoRuntime runtime = runtime(IoRuntimeOptions.defaults().withThreads(1));
        int baseline = idleBaseline(runtime);
        Path path = tempFile(10_000);
        AsyncFile file = Await.get(runtime.openFile(path, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE));
        IoBuffer into = file.allocate();
        assertEquals(-1, Await.get(file.read(1L << 40, into)));
        assertEquals(IoBuffer.END_OF_STREAM, Await.get(file.read(1L << 50, 100)));
        for (long top : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 4096}) {
            endsOrFailsWithErrno(file.read(top, 100), "read at " + top);
            endsOrFailsWithErrno(file.read(top, into), "read(into) at " + top);
            NativeIoException write = Await.failure(file.write(top, java.lang.foreign.MemorySegment.ofArray(new byte[16])),
                    NativeIoException.class);
            assertTrue(write.errnoName().equals("EFBIG") || write.errnoName().equals("EINVAL"), write.getMessage());
            assertTrue(write.getMessage().contains(path.toString()), write.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> file.read(-1, into));
        assertThrows(IllegalArgumentException.class, () -> file.read(Long.MIN_VALUE, 10));
        assertThrows(IllegalArgumentException.class, () -> file.write(-1, java.lang.foreign.MemorySegment.ofArray(new byte[1])));
        IoBuffer toWrite = file.allocate().write("x");
        assertThrows(IllegalArgumentException.class, () -> file.write(-4096, toWrite));
        toWrite.release(); // still ours: the refused write took nothing
        into.clear();
        assertEquals(10_000, Await.get(file.read(0, into)), "the file reads as before");
        into.release();
        Await.get(file.close());
        assertBuffersBackTo(runtime, baseline);
    }

    private static void endsOrFailsWithErrno(CompletableFuture<?> call, String what) throws InterruptedException {
        try {
            Object result = call.get(30, TimeUnit.SECONDS);
            assertTrue(result.equals(-1) || result == IoBuffer.END_OF_STREAM, what + ": " + result);
        } catch (ExecutionException e) {
            NativeIoException error = assertInstanceOf(NativeIoException.class, e.getCause(), what);
            assertEquals("EINVAL", error.errnoName(), what + ": " + error.getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " never completed");
        }
    }

    /** Every call on a closed file fails with EBADF, sendFile included, and takes nothing it was given. */
    @Test
    void everyCallOnAClosedFileFailsWithEbadf() throws Exception {
        IoRuntime runtime = runtime(IoRuntimeOptions.defaults().withThreads(1));
        int baseline = idleBaseline(runtime);
        Pair pair = accepted(runtime);
        AsyncFile file = Await.get(runtime.openFile(tempFile(100_000)));
        Await.get(file.close());
        assertFalse(file.isOpen());
        IoBuffer into = file.allocate();
        assertEbadf(file.read(0, into));
        assertEbadf(file.read(0, 10));
        assertEbadf(file.size());
        assertEbadf(file.fsync());
        assertEbadf(file.write(0, java.lang.foreign.MemorySegment.ofArray(new byte[3])));
        Throwable send = Await.failure(pair.connection().sendFile(file, 0, 1000));
        assertTrue(send instanceof NativeIoException n && n.errnoName().equals("EBADF"), "sendFile: " + send);
        into.release(); // not lent: the refused read gave it back
        Await.get(file.close()); // a second close is harmless
        pair.peer().write("ok");
        IoBuffer echo = Await.get(pair.connection().recv());
        Await.get(pair.connection().send(echo));
        assertEquals("ok", pair.peer().readString(2));
        assertBuffersBackTo(runtime, baseline);
    }

    private static void assertEbadf(CompletableFuture<?> call) {
        assertEquals("EBADF", Await.failure(call, NativeIoException.class).errnoName());
    }

    /**
     * Four threads issue reads while a fifth closes the file: every read completes exactly once
     * (bytes, EBADF, or cancelled), none hangs, no buffer is lost, and the loop goes on serving.
     * The invariant checker ({@code -Djring.debug.invariants}) catches a second completion.
     */
    @Test
    void closeRacingReadsFromOtherThreadsEndsEachReadOnce() throws Exception {
        IoRuntime runtime = runtime(IoRuntimeOptions.defaults().withThreads(1));
        int baseline = idleBaseline(runtime);
        Path path = tempFile(8 << 20);
        Pair pair = accepted(runtime);
        for (int round = 0; round < 10; round++) {
            AsyncFile file = Await.get(runtime.openFile(path));
            ConcurrentLinkedQueue<CompletableFuture<IoBuffer>> reads = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = round * 10 + t;
                readers.add(Thread.ofPlatform().start(() -> {
                    Random random = new Random(seed);
                    awaitQuietly(go);
                    for (int i = 0; i < 200 && file.isOpen(); i++) {
                        reads.add(file.read(random.nextInt(8 << 20), 1 + random.nextInt(16384)));
                    }
                }));
            }
            go.countDown();
            Thread.sleep(round % 3);
            CompletableFuture<Void> closed = file.close();
            for (Thread reader : readers) {
                reader.join(30_000);
            }
            int ended = 0;
            for (CompletableFuture<IoBuffer> read : reads) {
                try {
                    IoBuffer got = read.get(30, TimeUnit.SECONDS);
                    assertTrue(got.readableBytes() > 0);
                    got.release();
                } catch (ExecutionException e) {
                    assertEquals("EBADF", assertInstanceOf(NativeIoException.class, e.getCause()).errnoName());
                } catch (CancellationException cancelled) {
                    // close() cancelled it before it ran
                }
                ended++;
            }
            assertEquals(reads.size(), ended, "every read ended, none hangs");
            Await.get(closed);
            pair.peer().write("r");
            IoBuffer echo = Await.get(pair.connection().recv());
            assertEquals(1, echo.readableBytes());
            echo.release();
        }
        assertBuffersBackTo(runtime, baseline);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Twenty clients ask for a 200 MB file and never read, on a runtime capped at 16 MiB of
     * buffers: each stalled send holds at most one pooled block (none with SPLICE), the mapped
     * buffer memory stays under the cap, another connection on the same loop still gets
     * answers, and closing the connections ends every send and gives every block back.
     */
    @Test
    void manyClientsThatNeverReadALargeFileStayWithinTheBufferCap() throws Exception {
        long cap = 16L << 20;
        IoRuntime runtime = runtime(IoRuntimeOptions.defaults().withThreads(1).withMaxBufferMemory(cap));
        int baseline = idleBaseline(runtime);
        long large = 200L << 20;
        Path path = tempFile(large);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        AsyncFile file = Await.get(runtime.openFile(path));
        List<Connection> connections = new ArrayList<>();
        List<CompletableFuture<Long>> sends = new ArrayList<>();
        int clients = 20;
        for (int i = 0; i < clients; i++) {
            CompletableFuture<Connection> accepted = listener.accept();
            closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 64 << 10));
            Connection conn = Await.get(accepted);
            connections.add(conn);
            sends.add(conn.sendFile(file, 0, large));
        }
        Pair neighbour = accepted(runtime);
        Thread.sleep(1500); // every send fills what it can and stalls
        for (CompletableFuture<Long> send : sends) {
            assertFalse(send.isDone(), () -> "a send to a client that never reads ended: " + send);
        }
        int held = runtime.buffersInUse() - baseline;
        assertTrue(held <= clients, "each stalled sendFile holds at most one block; " + clients + " hold " + held);
        assertTrue(runtime.bufferMemory() <= cap, "buffer memory " + runtime.bufferMemory() + " over the cap " + cap);
        neighbour.peer().write("ping");
        IoBuffer ping = Await.get(neighbour.connection().recv());
        Await.get(neighbour.connection().send(ping));
        assertEquals("ping", neighbour.peer().readString(4));
        for (Connection conn : connections) {
            Await.get(conn.close());
        }
        for (CompletableFuture<Long> send : sends) {
            assertInstanceOf(ConnectionClosedException.class, Await.failure(send));
        }
        Await.get(file.close());
        assertBuffersBackTo(runtime, baseline);
    }
}
