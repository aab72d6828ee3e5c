package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.ReadPendingException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reads and writes, both forms, on every provider: what the specification mandates must agree. */
class ReadWriteContractTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void futureFormsDeliverBytesAndAdvancePositionsExactly(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer src = ByteBuffer.wrap("xxhello worldyy".getBytes(StandardCharsets.US_ASCII));
            src.position(2).limit(13);
            int written = Io.await(pair.client.write(src));
            assertEquals(11, written);
            assertEquals(13, src.position(), "position advanced by exactly what was written");
            assertEquals(13, src.limit());

            ByteBuffer dst = ByteBuffer.allocate(32);
            dst.position(5);
            int total = 0;
            while (total < 11) {
                total += Io.await(pair.accepted.read(dst));
            }
            assertEquals(11, total);
            assertEquals(16, dst.position(), "position advanced by exactly what was read");
            assertEquals(32, dst.limit());
            assertEquals("hello world", new String(dst.array(), 5, 11, StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void handlerFormsGetTheirAttachmentOnAPoolThread(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Object attachment = new Object();
            Io.Recorder<Integer> write = new Io.Recorder<>();
            pair.client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0, TimeUnit.SECONDS, attachment, write);
            assertEquals(3, write.result());
            assertSame(attachment, write.attachment);
            Io.assertThreadFromPool(write.thread, Pair.POOL_PREFIX);

            Io.Recorder<Integer> read = new Io.Recorder<>();
            ByteBuffer dst = ByteBuffer.allocateDirect(3);
            pair.accepted.read(dst, 0, TimeUnit.SECONDS, "tag", read);
            int n = read.result();
            assertEquals("tag", read.attachment);
            Io.assertThreadFromPool(read.thread, Pair.POOL_PREFIX);
            assertEquals(n, dst.position());
            assertEquals(1, dst.get(0));
        }
    }

    /** Data beyond what a small buffer takes stays for the next read, in order, none lost. */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void bytesBeyondASmallBufferAreKeptForTheNextRead(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(100_000, 7);
            Future<Void> writer = pair.executor.submit(() -> {
                Io.writeFully(pair.client, ByteBuffer.wrap(payload));
                return null;
            });
            ByteBuffer received = ByteBuffer.allocate(payload.length);
            ByteBuffer small = ByteBuffer.allocate(7);
            while (received.hasRemaining()) {
                small.clear();
                int n = Io.await(pair.accepted.read(small));
                assertEquals(n, small.position());
                received.put(small.flip());
            }
            Io.await(writer);
            assertArrayEquals(payload, received.array());
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aSecondReadWhileOneIsPendingThrowsReadPendingException(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer first = ByteBuffer.allocate(16);
            Future<Integer> pending = pair.accepted.read(first);
            assertThrows(ReadPendingException.class, () -> pair.accepted.read(ByteBuffer.allocate(16)));
            Io.writeFully(pair.client, "late");
            assertEquals(4, Io.await(pending), "the first read still completes");
            assertEquals("late", new String(first.array(), 0, 4, StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aBufferWithNoRoomReadsZeroAndAReadOnlyBufferIsRefused(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            assertEquals(0, Io.await(pair.accepted.read(ByteBuffer.allocate(0))));
            assertEquals(0, Io.await(pair.client.write(ByteBuffer.allocate(0))));
            assertThrows(IllegalArgumentException.class,
                    () -> pair.accepted.read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void endOfStreamIsMinusOneAndStaysSo(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Io.writeFully(pair.client, "bye");
            pair.client.shutdownOutput();
            assertEquals("bye", Io.readString(pair.accepted, 3));
            assertEquals(-1, Io.await(pair.accepted.read(ByteBuffer.allocate(8))));
            assertEquals(-1, Io.await(pair.accepted.read(ByteBuffer.allocate(8))));
            // the other direction still works after a half-close
            Io.writeFully(pair.accepted, "still");
            assertEquals("still", Io.readString(pair.client, 5));
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void scatteringAndGatheringHonourOffsetLengthAndPositions(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer[] srcs = {
                ByteBuffer.wrap("SKIP".getBytes(StandardCharsets.US_ASCII)),
                ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)),
                ByteBuffer.allocateDirect(4).put("defg".getBytes(StandardCharsets.US_ASCII)).flip(),
                ByteBuffer.wrap("NOPE".getBytes(StandardCharsets.US_ASCII)),
            };
            Io.Recorder<Long> wrote = new Io.Recorder<>();
            pair.client.write(srcs, 1, 2, 0, TimeUnit.SECONDS, null, wrote);
            assertEquals(7L, wrote.result());
            assertEquals(0, srcs[0].position(), "outside offset/length: untouched");
            assertEquals(3, srcs[1].position());
            assertEquals(4, srcs[2].position());
            assertEquals(0, srcs[3].position(), "outside offset/length: untouched");

            ByteBuffer[] dsts = {ByteBuffer.allocate(5), ByteBuffer.allocate(2), ByteBuffer.allocateDirect(3),
                ByteBuffer.allocate(5)};
            long total = 0;
            while (dsts[1].hasRemaining() || dsts[2].hasRemaining()) {
                Io.Recorder<Long> read = new Io.Recorder<>();
                pair.accepted.read(dsts, 1, 2, 0, TimeUnit.SECONDS, null, read);
                total += read.result();
            }
            assertEquals(5, total, "two buffers with room for 5 take 5");
            assertEquals(0, dsts[0].position());
            assertEquals(2, dsts[1].position());
            assertEquals(3, dsts[2].position());
            assertEquals(0, dsts[3].position());
            assertEquals("ab", new String(dsts[1].array(), 0, 2, StandardCharsets.US_ASCII));
            byte[] third = new byte[3];
            dsts[2].flip().get(third);
            assertEquals("cde", new String(third, StandardCharsets.US_ASCII));
            assertEquals("fg", Io.readString(pair.accepted, 2), "the rest is kept for the next read");
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void scatteringArgumentsAreCheckedAsTheJdkDoes(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer[] dsts = {ByteBuffer.allocate(1)};
            assertThrows(IndexOutOfBoundsException.class,
                    () -> pair.accepted.read(dsts, 1, 1, 0, TimeUnit.SECONDS, null, new Io.Recorder<Long>()));
            assertThrows(NullPointerException.class,
                    () -> pair.accepted.read(ByteBuffer.allocate(1), 0, TimeUnit.SECONDS, null, null));
        }
    }
}
