package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.buffer.Buffers;
import io.jring.loop.BufferPool;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** IoBuffer on its own (no runtime, no backend): indexes, conversions, ownership. */
class IoBufferTest {
    private final BufferPool pool = new BufferPool(64, 16);

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void freshBufferIsEmptyWithTheBlockAsCapacity() {
        IoBuffer buffer = pool.acquire();
        assertEquals(64, buffer.capacity());
        assertEquals(0, buffer.readerIndex());
        assertEquals(0, buffer.writerIndex());
        assertEquals(0, buffer.readableBytes());
        assertEquals(64, buffer.writableBytes());
        assertFalse(buffer.isEndOfStream());
        assertFalse(buffer.isReleased());
        buffer.release();
    }

    @Test
    void writesAdvanceTheWriterAndReadsSeeThem() {
        IoBuffer buffer = pool.acquire();
        buffer.write("héllo");
        assertEquals(6, buffer.writerIndex(), "UTF-8 bytes");
        buffer.write(new byte[] {1, 2, 3, 4}, 1, 2);
        assertEquals(8, buffer.readableBytes());
        assertEquals(56, buffer.writableBytes());
        assertArrayEquals(new byte[] {'h', (byte) 0xC3, (byte) 0xA9, 'l', 'l', 'o', 2, 3}, buffer.toByteArray());
        assertEquals('h', buffer.getByte(0));
        assertEquals(3, buffer.getByte(7));

        buffer.skip(6);
        assertEquals(6, buffer.readerIndex());
        assertArrayEquals(new byte[] {2, 3}, buffer.toByteArray(), "only the readable bytes");
        assertEquals(2, buffer.readableSegment().byteSize());
        assertEquals(2, buffer.readableSegment().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(56, buffer.writableSegment().byteSize());
        assertEquals(64, buffer.segment().byteSize());

        ByteBuffer view = buffer.asByteBuffer();
        assertEquals(2, view.remaining());
        assertEquals(2, view.get());
        assertEquals(6, buffer.readerIndex(), "conversions do not move the indexes");

        buffer.clear();
        assertEquals(0, buffer.readerIndex());
        assertEquals(0, buffer.writerIndex());
        buffer.release();
    }

    @Test
    void writeFromSegmentsAndByteBuffersAndDecode() {
        IoBuffer buffer = pool.acquire();
        ByteBuffer source = ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII));
        buffer.write(source);
        assertFalse(source.hasRemaining(), "write(ByteBuffer) consumes the source");
        buffer.write(java.lang.foreign.MemorySegment.ofArray("de".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("abcde", buffer.toString(StandardCharsets.US_ASCII));
        buffer.readerIndex(3);
        assertEquals("de", buffer.toString(StandardCharsets.US_ASCII));
        buffer.release();
    }

    @Test
    void indexesAreChecked() {
        IoBuffer buffer = pool.acquire();
        buffer.write(new byte[10]);
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.readerIndex(11), "reader past writer");
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.readerIndex(-1));
        buffer.readerIndex(4);
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.writerIndex(3), "writer before reader");
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.writerIndex(65), "writer past capacity");
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.skip(7));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(new byte[55]), "more than writable");
        assertEquals(10, buffer.writerIndex(), "a failed write changes nothing");
        buffer.write(new byte[54]);
        assertEquals(0, buffer.writableBytes());
        buffer.writerIndex(64);
        buffer.release();
    }

    @Test
    void releaseReturnsTheBlockOnceAndTwiceIsAnError() {
        int before = pool.inUse();
        IoBuffer buffer = pool.acquire();
        assertEquals(before + 1, pool.inUse());
        buffer.release();
        assertTrue(buffer.isReleased());
        assertEquals(before, pool.inUse());
        IllegalStateException error = assertThrows(IllegalStateException.class, buffer::release);
        assertTrue(error.getMessage().contains("it was released"), error.getMessage());
        assertEquals(before, pool.inUse(), "a double release must not return the block twice");
    }

    @Test
    void everyAccessAfterReleaseIsRefusedNamingTheState() {
        IoBuffer buffer = pool.acquire().write("secret-of-someone-else");
        buffer.release();
        IoBuffer reused = pool.acquire(); // most likely the same block, now another owner's
        for (Executable access : accesses(buffer)) {
            IllegalStateException error = assertThrows(IllegalStateException.class, access);
            assertTrue(error.getMessage().contains("released"), error.getMessage());
        }
        reused.release();
    }

    @Test
    void aBufferASendTookCannotBeTouchedNorReleasedByItsFormerOwner() {
        int before = pool.inUse();
        IoBuffer buffer = pool.acquire().write("payload");
        Buffers.takeForSend(buffer);
        for (Executable access : accesses(buffer)) {
            IllegalStateException error = assertThrows(IllegalStateException.class, access);
            assertTrue(error.getMessage().contains("a send took it"), error.getMessage());
        }
        IllegalStateException error = assertThrows(IllegalStateException.class, buffer::release);
        assertTrue(error.getMessage().contains("a send took it"), error.getMessage());
        assertThrows(IllegalStateException.class, () -> Buffers.takeForSend(buffer), "one send at a time");
        assertEquals(before + 1, pool.inUse(), "still the send's");
        Buffers.releaseAfterSend(buffer);
        assertEquals(before, pool.inUse(), "the send released it");
        assertTrue(buffer.isReleased());
    }

    @Test
    void aRefusedSendGivesTheBufferBack() {
        IoBuffer buffer = pool.acquire().write("x");
        Buffers.takeForSend(buffer);
        Buffers.undoTake(buffer);
        assertEquals("x", buffer.toString(StandardCharsets.UTF_8));
        buffer.release();
    }

    @Test
    void aLentBufferIsRefusedUntilItsReceiveEndsOrIsCancelled() {
        int before = pool.inUse();
        IoBuffer buffer = pool.acquire();
        CompletableFuture<Integer> receive = new CompletableFuture<>();
        Buffers.lend(buffer);
        assertThrows(IllegalStateException.class, () -> Buffers.lend(buffer), "one operation at a time");
        for (Executable access : accesses(buffer)) {
            IllegalStateException error = assertThrows(IllegalStateException.class, access);
            assertTrue(error.getMessage().contains("a receive still running holds it"), error.getMessage());
        }
        assertThrows(IllegalStateException.class, buffer::release, "the receive is still running");

        receive.cancel(true); // the user's future ends at once; the kernel may still write
        Buffers.abandon(buffer); // what RecvIntoOp's cancel does
        buffer.release();
        assertTrue(buffer.isReleased());
        assertEquals(before + 1, pool.inUse(), "still the kernel's");
        Buffers.giveBack(buffer);
        assertEquals(before, pool.inUse(), "recycled when the kernel gave it back");
        assertThrows(IllegalStateException.class, buffer::release);

        IoBuffer kept = pool.acquire();
        Buffers.lend(kept);
        Buffers.giveBack(kept);
        assertFalse(kept.isReleased(), "returned to its owner, not to the pool");
        kept.write("usable again");
        assertEquals(before + 1, pool.inUse());
        kept.release();
        assertEquals(before, pool.inUse());
    }

    private static List<Executable> accesses(IoBuffer buffer) {
        return List.of(
                () -> buffer.getByte(0), buffer::toByteArray, buffer::segment, buffer::readableSegment,
                buffer::writableSegment, buffer::asByteBuffer, () -> buffer.write("x"), buffer::clear,
                () -> buffer.writerIndex(0), () -> buffer.readerIndex(0), () -> buffer.skip(0),
                () -> buffer.toString(StandardCharsets.UTF_8));
    }

    @Test
    void endOfStreamIsAConstantThatOwnsNothing() {
        assertTrue(IoBuffer.END_OF_STREAM.isEndOfStream());
        assertEquals(0, IoBuffer.END_OF_STREAM.readableBytes());
        IoBuffer.END_OF_STREAM.release();
        IoBuffer.END_OF_STREAM.release(); // releasing it is harmless, even twice
        assertSame(IoBuffer.END_OF_STREAM, IoBuffer.END_OF_STREAM);
        assertTrue(IoBuffer.END_OF_STREAM.toString().contains("END_OF_STREAM"));
    }

    @Test
    void poolGrowsInsteadOfFailingAndRecyclesEveryBlock() {
        java.util.List<IoBuffer> held = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) { // 16 per slab: grows twice
            held.add(pool.acquire());
        }
        assertEquals(40, pool.inUse());
        java.util.Set<Long> addresses = new java.util.HashSet<>();
        for (IoBuffer buffer : held) {
            assertTrue(addresses.add(buffer.segment().address()), "every block is distinct");
            buffer.release();
        }
        assertEquals(0, pool.inUse());
    }
}
