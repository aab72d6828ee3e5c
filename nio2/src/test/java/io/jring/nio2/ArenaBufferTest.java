package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Buffers whose memory belongs to a closeable Arena (MemorySegment.asByteBuffer()). jring copies
 * them at the call and copies into them on arrival, so the kernel never holds their memory: a
 * caller may close the Arena while an operation is pending. (The JDK instead keeps the Arena
 * acquired, so closing it then fails; hence jring only.)
 */
class ArenaBufferTest {

    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void anArenaClosedRightAfterAWriteStillSendsItsBytes(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Arena arena = Arena.ofShared();
            MemorySegment segment = arena.allocate(5);
            segment.copyFrom(MemorySegment.ofArray("arena".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer src = segment.asByteBuffer();
            Future<Integer> write = pair.client.write(src);
            arena.close(); // the bytes were copied at the call
            assertEquals(5, Io.await(write));
            assertEquals("arena", Io.readString(pair.accepted, 5));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Flavor.class, names = {"JRING_IO_URING", "JRING_EPOLL"})
    void aReadIntoAClosedArenaFailsThatReadAloneAndLosesNoBytes(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Arena arena = Arena.ofShared();
            ByteBuffer dst = arena.allocate(8).asByteBuffer();
            Future<Integer> read = pair.accepted.read(dst);
            arena.close();
            Io.writeFully(pair.client, "survives");
            assertInstanceOf(IllegalStateException.class, Io.failure(read), "copying into freed memory is refused");
            assertEquals("survives", Io.readString(pair.accepted, 8), "the bytes stay for the next read");
            ByteBuffer heap = ByteBuffer.allocate(1);
            Io.writeFully(pair.client, "!");
            assertEquals(1, Io.await(pair.accepted.read(heap)));
            assertEquals('!', heap.get(0));
        }
    }
}
