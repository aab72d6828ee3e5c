package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.op.SendFileOp;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Files through the runtime on one backend: {@link AsyncFile} read, write, size, fsync and close
 * byte-exact on real temp files; the errors users meet; cancel and close with operations in
 * flight; and {@link Connection#sendFile} of a 200 MB file over loopback, with a client that
 * never reads. A subclass may hide io_uring opcodes ({@link #hiddenOps()}), so the same tests
 * run the fallbacks: read + send instead of SPLICE, the blocking pool instead of the ring's file ops.
 */
@Timeout(120)
public abstract class FilesContract extends RuntimeTestBase {
    private static final int LARGE = 200 << 20;
    private final List<Path> temporary = new ArrayList<>();

    /** {@code -Djring.probe.hideOps} for this suite's runtimes ("" for none). */
    protected String hiddenOps() {
        return "";
    }

    /** The sendFile form this suite's runtimes must use: splice, read+send or sendfile. */
    protected String expectedSendFileForm() {
        return backend() == Backend.EPOLL ? "sendfile" : "splice";
    }

    /** A runtime with one loop (so a transfer and its neighbour share a thread), opcodes hidden as asked. */
    protected IoRuntime runtime() throws IOException {
        String before = System.getProperty("jring.probe.hideOps");
        System.setProperty("jring.probe.hideOps", hiddenOps());
        try {
            return open(1);
        } finally {
            if (before == null) {
                System.clearProperty("jring.probe.hideOps");
            } else {
                System.setProperty("jring.probe.hideOps", before);
            }
        }
    }

    private Path tempFile(byte[] content) throws IOException {
        Path path = Files.createTempFile("jring-files", ".bin");
        temporary.add(path);
        Files.write(path, content);
        return path;
    }

    /** A file of pseudo-random bytes, written through FileChannel; returns its SHA-256. */
    private String largeFile(Path path, long size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(size);
        byte[] chunk = new byte[1 << 20];
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            for (long at = 0; at < size; at += chunk.length) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, size - at);
                sha.update(chunk, 0, n);
                ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @AfterEach
    void deleteTemporary() throws IOException {
        for (Path path : temporary) {
            Files.deleteIfExists(path);
        }
    }

    // ---- read, write, size, fsync ---------------------------------------------------------------

    @Test
    void writesAndReadsByteExactAtOffsets() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Path path = tempFile(new byte[0]);
        AsyncFile file = Await.get(runtime.openFile(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
        byte[] far = new byte[100_000];
        new Random(7).nextBytes(far);
        Await.get(file.write(0, MemorySegment.ofArray("the first bytes".getBytes(StandardCharsets.US_ASCII))));
        IoBuffer buffer = file.allocate();
        int inBuffer = Math.min(far.length, buffer.writableBytes());
        buffer.write(far, 0, inBuffer);
        Await.get(file.write(1_000_000, buffer)); // takes the buffer
        Await.get(file.write(1_000_000 + inBuffer, MemorySegment.ofArray(far).asSlice(inBuffer)));
        Await.get(file.write(4, MemorySegment.ofArray("FIRST".getBytes(StandardCharsets.US_ASCII))));
        Await.get(file.fsync());
        Await.get(file.fdatasync());
        assertEquals(1_000_000L + far.length, Await.get(file.size()));

        byte[] onDisk = Files.readAllBytes(path);
        assertEquals("the FIRST bytes", new String(onDisk, 0, 15, StandardCharsets.US_ASCII));
        assertArrayEquals(far, java.util.Arrays.copyOfRange(onDisk, 1_000_000, onDisk.length));

        IoBuffer read = Await.get(file.read(1_000_000 + 17, 1000));
        assertArrayEquals(java.util.Arrays.copyOfRange(far, 17, 1017), read.toByteArray());
        read.release();

        IoBuffer into = file.allocate();
        into.write(new byte[] {'>'});
        int count = Await.get(file.read(0, into));
        assertEquals(into.capacity() - 1, count, "a read fills the buffer when the file has enough");
        assertEquals('>', into.getByte(0));
        assertArrayEquals(java.util.Arrays.copyOfRange(onDisk, 0, count),
                java.util.Arrays.copyOfRange(into.toByteArray(), 1, 1 + count));
        into.release();

        IoBuffer tail = Await.get(file.read(onDisk.length - 10, 4096));
        assertEquals(10, tail.readableBytes(), "a read at the end returns what is left");
        tail.release();
        assertTrue(Await.get(file.read(onDisk.length, 4096)).isEndOfStream());
        IoBuffer past = file.allocate();
        assertEquals(-1, Await.get(file.read(onDisk.length + 5, past)));
        past.release();

        Await.get(file.close());
        assertFalse(file.isOpen());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void vectoredWritesGatherAndVectoredReadsScatterInOrder() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Path path = tempFile(new byte[0]);
        AsyncFile file = Await.get(runtime.openFile(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
        Random random = new Random(11);
        byte[] first = new byte[5000];
        byte[] second = new byte[16_000];
        byte[] third = new byte[300];
        random.nextBytes(first);
        random.nextBytes(second);
        random.nextBytes(third);
        IoBuffer a = file.allocate().write(first);
        a.skip(10); // only the readable bytes are written
        IoBuffer b = file.allocate().write(second);
        IoBuffer c = file.allocate().write(third);
        Await.get(file.writev(7, a, b, c)); // takes all three
        byte[] expected = new byte[7 + 4990 + second.length + third.length];
        System.arraycopy(first, 10, expected, 7, 4990);
        System.arraycopy(second, 0, expected, 7 + 4990, second.length);
        System.arraycopy(third, 0, expected, 7 + 4990 + second.length, third.length);
        assertArrayEquals(expected, Files.readAllBytes(path));

        // Scatter the whole file over three buffers: the first already holds a byte, so its room is one less.
        IoBuffer x = file.allocate().write(new byte[] {'>'});
        IoBuffer y = file.allocate();
        IoBuffer z = file.allocate();
        int count = Await.get(file.readv(0, x, y, z));
        assertEquals(expected.length, count, "the room is larger than the file: one call reads it all");
        byte[] scattered = new byte[count];
        int roomX = x.capacity() - 1;
        assertEquals(x.capacity(), x.writerIndex(), "the first buffer is filled first");
        assertEquals('>', x.getByte(0));
        System.arraycopy(x.toByteArray(), 1, scattered, 0, roomX);
        assertEquals(Math.min(y.capacity(), count - roomX), y.readableBytes());
        System.arraycopy(y.toByteArray(), 0, scattered, roomX, y.readableBytes());
        assertEquals(count - roomX - y.readableBytes(), z.readableBytes(), "the rest lands in the last");
        System.arraycopy(z.toByteArray(), 0, scattered, roomX + y.readableBytes(), z.readableBytes());
        assertArrayEquals(expected, scattered);
        x.release();
        y.release();
        z.release();

        IoBuffer past = file.allocate();
        assertEquals(-1, Await.get(file.readv(expected.length, past)), "at the end of the file");
        past.release();

        // One buffer that is not the caller's to give: nothing is taken, the others stay the caller's.
        IoBuffer mine = file.allocate().write("kept");
        IoBuffer released = file.allocate().write("gone");
        released.release();
        assertThrowsWithMessage(IllegalStateException.class, "writev refused buffer 1",
                () -> file.writev(0, mine, released));
        assertThrowsWithMessage(IllegalStateException.class, "readv refused buffer 1",
                () -> file.readv(0, mine, mine));
        assertEquals("kept", mine.toString(StandardCharsets.US_ASCII), "still the caller's, unchanged");
        mine.release();
        assertThrowsWithMessage(IllegalArgumentException.class, "takes 1 to", () -> file.writev(0));

        Await.get(file.close());
        assertBuffersBackTo(runtime, baseline);
    }

    private static void assertThrowsWithMessage(Class<? extends Throwable> type, String part,
                                                org.junit.jupiter.api.function.Executable call) {
        Throwable thrown = org.junit.jupiter.api.Assertions.assertThrows(type, call);
        assertTrue(thrown.getMessage().contains(part), thrown::getMessage);
    }

    @Test
    void createTruncateAndAppendFollowFileChannel() throws Exception {
        IoRuntime runtime = runtime();
        Path path = Files.createTempDirectory("jring-files").resolve("new.txt");
        temporary.add(path);
        temporary.add(path.getParent());
        AsyncFile created = Await.get(runtime.openFile(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));
        Await.get(created.write(0, MemorySegment.ofArray("hello".getBytes(StandardCharsets.US_ASCII))));
        Await.get(created.close());
        NativeIoException exists = Await.failure(runtime.openFile(path, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW), NativeIoException.class);
        assertEquals("EEXIST", exists.errnoName());
        AsyncFile truncated = Await.get(runtime.openFile(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
        assertEquals(0L, Await.get(truncated.size()));
        Await.get(truncated.write(0, MemorySegment.ofArray("abc".getBytes(StandardCharsets.US_ASCII))));
        Await.get(truncated.close());
        assertEquals("abc", Files.readString(path));
    }

    // ---- errors --------------------------------------------------------------------------------

    @Test
    void errorsNameTheCallThePathAndTheErrno() throws Exception {
        IoRuntime runtime = runtime();
        Path missing = Path.of("/tmp/jring-no-such-dir/missing.bin");
        NativeIoException noEntry = Await.failure(runtime.openFile(missing), NativeIoException.class);
        assertEquals("ENOENT", noEntry.errnoName());
        assertTrue(noEntry.getMessage().contains("openat") && noEntry.getMessage().contains(missing.toString()),
                noEntry::getMessage);

        Path directory = Files.createTempDirectory("jring-dir");
        temporary.add(directory);
        NativeIoException isDirectory = Await.failure(runtime.openFile(directory, StandardOpenOption.WRITE),
                NativeIoException.class);
        assertEquals("EISDIR", isDirectory.errnoName());
        AsyncFile readOnlyDirectory = Await.get(runtime.openFile(directory));
        NativeIoException readDirectory = Await.failure(readOnlyDirectory.read(0, 100), NativeIoException.class);
        assertEquals("EISDIR", readDirectory.errnoName());
        assertTrue(readDirectory.getMessage().contains(directory.toString()), readDirectory::getMessage);
        Await.get(readOnlyDirectory.close());

        // Root passes file modes, but not a sysfs attribute without a store method.
        NativeIoException denied = Await.failure(runtime.openFile(Path.of("/sys/kernel/uevent_seqnum"),
                StandardOpenOption.WRITE), NativeIoException.class);
        assertEquals("EACCES", denied.errnoName());

        Path path = tempFile("data".getBytes(StandardCharsets.US_ASCII));
        AsyncFile readOnly = Await.get(runtime.openFile(path));
        NativeIoException notForWriting = Await.failure(readOnly.write(0,
                MemorySegment.ofArray(new byte[] {1})), NativeIoException.class);
        assertEquals("EBADF", notForWriting.errnoName());
        Await.get(readOnly.close());
        NativeIoException closed = Await.failure(readOnly.read(0, 10), NativeIoException.class);
        assertEquals("EBADF", closed.errnoName());
        assertTrue(closed.getMessage().contains(path.toString()), closed::getMessage);
        assertEquals("EBADF", Await.failure(readOnly.size(), NativeIoException.class).errnoName());
        Await.get(readOnly.close()); // again: the same future, already complete
    }

    // ---- cancel and close with operations in flight -------------------------------------------

    @Test
    void cancelledReadsGiveTheirBuffersBack() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        byte[] content = new byte[4 << 20];
        new Random(3).nextBytes(content);
        AsyncFile file = Await.get(runtime.openFile(tempFile(content)));
        // The loop is held in an accept handler while the reads are issued, so they are still queued
        // on it, not yet started, whatever the machine's speed: every other one is cancelled then.
        // Once the loop goes on, the rest are cancelled from the last back, racing reads that run
        // or have finished, so cancels meet reads in every state.
        int count = 200;
        List<IoBuffer> buffers = new ArrayList<>();
        List<CompletableFuture<Integer>> reads = new ArrayList<>();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        listener.onAccept(conn -> {
            held.countDown();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            conn.close();
        });
        PeerSocket holder = closeLater(PeerSocket.connect(listener.localAddress()));
        assertTrue(held.await(30, java.util.concurrent.TimeUnit.SECONDS), "the accept handler holds the loop");
        int cancelled = 0;
        try {
            for (int i = 0; i < count; i++) {
                IoBuffer into = file.allocate();
                buffers.add(into);
                reads.add(file.read((i * 65_537L) % content.length, into, Duration.ofSeconds(30)));
            }
            for (int i = count - 1; i >= 0; i -= 2) {
                assertTrue(reads.get(i).cancel(true), "a read still queued on the held loop cancels");
                cancelled++;
                buffers.get(i).release(); // allowed at once: the block goes back when the read has ended
            }
        } finally {
            release.countDown();
        }
        for (int i = count - 2; i >= 0; i -= 2) {
            if (reads.get(i).cancel(true)) {
                cancelled++;
                buffers.get(i).release();
            }
        }
        for (int i = 0; i < count; i++) {
            if (!reads.get(i).isCancelled()) {
                long position = (i * 65_537L) % content.length;
                int n = Await.get(reads.get(i));
                assertTrue(n > 0);
                assertEquals(content[(int) position], buffers.get(i).getByte(0));
                buffers.get(i).release();
            }
        }
        assertTrue(cancelled >= count / 2, cancelled + " of " + count + " reads cancelled");
        holder.close();
        Await.get(listener.close());
        // The file still works, and nothing was lost or leaked.
        IoBuffer again = Await.get(file.read(10, 10));
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 10, 20), again.toByteArray());
        again.release();
        Await.get(file.close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void closeWithReadsInFlightEndsEveryOneAndThenTheDescriptor() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        byte[] content = new byte[4 << 20];
        new Random(5).nextBytes(content);
        AsyncFile file = Await.get(runtime.openFile(tempFile(content)));
        List<CompletableFuture<IoBuffer>> reads = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            reads.add(file.read(i * 65_536L, 65_536));
        }
        CompletableFuture<Void> close = file.close();
        int completed = 0;
        for (int i = 0; i < reads.size(); i++) {
            try {
                IoBuffer got = reads.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(content[i * 65_536], got.getByte(0), "read " + i);
                got.release();
                completed++;
            } catch (ExecutionException e) {
                NativeIoException error = assertInstanceOf(NativeIoException.class, e.getCause());
                assertEquals("EBADF", error.errnoName());
            }
        }
        Await.get(close);
        assertEquals("EBADF", Await.failure(file.read(0, 10), NativeIoException.class).errnoName());
        assertTrue(completed <= reads.size());
        assertBuffersBackTo(runtime, baseline);
    }

    // ---- sendFile --------------------------------------------------------------------------------

    @Test
    void sendFileOf200MegabytesIsByteExactWhileAnotherConnectionKeepsAnswering() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Path path = tempFile(new byte[0]);
        String expected = largeFile(path, LARGE);
        Pair pair = accepted(runtime);
        Pair neighbour = accepted(runtime);
        echoForever(neighbour.connection());
        AsyncFile file = Await.get(runtime.openFile(path));

        CompletableFuture<Long> sending = pair.connection().sendFile(file, 0, LARGE);
        assertEquals(expectedSendFileForm(), ((SendFileOp) sending).form());
        AtomicInteger answers = new AtomicInteger();
        Thread pinger = Thread.ofVirtual().start(() -> {
            try {
                while (!sending.isDone()) {
                    neighbour.peer().write("ping");
                    assertEquals("ping", neighbour.peer().readString(4));
                    answers.incrementAndGet();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        InputStream in = pair.peer().in;
        byte[] chunk = new byte[1 << 16];
        long received = 0;
        while (received < LARGE) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, LARGE - received));
            if (n < 0) {
                break;
            }
            sha.update(chunk, 0, n);
            received += n;
        }
        assertEquals(LARGE, Await.get(sending, Duration.ofSeconds(60)));
        pinger.join(30_000);
        assertEquals(LARGE, received);
        assertEquals(expected, HexFormat.of().formatHex(sha.digest()), "the bytes received are the file's");
        assertTrue(answers.get() > 0, "the other connection on the same loop got answers during the transfer");

        // The file is still usable, and a send of part of it, from an offset, is exact too.
        CompletableFuture<Long> part = pair.connection().sendFile(file, 123_457, 1000);
        byte[] partBytes = pair.peer().readExactly(1000);
        assertEquals(1000L, Await.get(part));
        byte[] fromDisk = new byte[1000];
        try (FileChannel channel = FileChannel.open(path)) {
            channel.read(ByteBuffer.wrap(fromDisk), 123_457);
        }
        assertArrayEquals(fromDisk, partBytes);
        // Past the end: fewer bytes than asked, then nothing.
        CompletableFuture<Long> beyond = pair.connection().sendFile(file, LARGE - 10, 100);
        pair.peer().readExactly(10);
        assertEquals(10L, Await.get(beyond));
        Await.get(file.close());
        Await.get(pair.connection().close());
        Await.get(neighbour.connection().close());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void aClientThatNeverReadsHoldsAtMostTheBoundAndCloseEndsTheSend() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Path path = tempFile(new byte[0]);
        largeFile(path, LARGE);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket lazy = closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 64 << 10));
        Connection conn = Await.get(accepted);
        AsyncFile file = Await.get(runtime.openFile(path));
        CompletableFuture<Long> sending = conn.sendFile(file, 0, LARGE);
        // Give the transfer time to fill every buffer on the way; it must stop there.
        Thread.sleep(1500);
        assertFalse(sending.isDone(), "200 MB cannot fit in the socket buffers of a client that never reads");
        int held = runtime.buffersInUse() - baseline;
        assertTrue(held <= 1, "a stalled sendFile holds at most one pooled block, held " + held);
        // Closing the file does not pull the descriptor from under the send; closing the connection ends it.
        CompletableFuture<Void> fileClosed = file.close();
        assertFalse(fileClosed.isDone(), "the descriptor stays open while a sendFile uses it");
        Await.get(conn.close());
        Throwable failure = Await.failure(sending);
        assertInstanceOf(ConnectionClosedException.class, failure, () -> "unexpected: " + failure);
        Await.get(fileClosed);
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void sendFileWithADeadlineTimesOutAgainstAClientThatNeverReads() throws Exception {
        IoRuntime runtime = runtime();
        int baseline = idleBaseline(runtime);
        Path path = tempFile(new byte[0]);
        largeFile(path, 64 << 20);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = listener.accept();
        closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 64 << 10));
        Connection conn = Await.get(accepted);
        AsyncFile file = Await.get(runtime.openFile(path));
        CompletableFuture<Long> sending = conn.sendFile(file, 0, 64 << 20, Duration.ofMillis(300));
        assertInstanceOf(TimeoutException.class, Await.failure(sending));
        CompletableFuture<Long> cancelled = conn.sendFile(file, 0, 64 << 20);
        cancelled.cancel(true);
        try {
            cancelled.join();
        } catch (CancellationException expectedCancel) {
            // the cancel won, as it must against a client that never reads
        }
        assertTrue(cancelled.isCancelled());
        Await.get(conn.close());
        Await.get(file.close());
        assertBuffersBackTo(runtime, baseline);
    }

    /** Echoes whatever arrives, until end of stream or close. */
    private static void echoForever(Connection conn) {
        conn.recv().whenComplete((buf, error) -> {
            if (error != null || buf.isEndOfStream()) {
                return;
            }
            conn.send(buf).thenRun(() -> echoForever(conn));
        });
    }
}
