package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.loop.BufferPool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SegmentedBuffer on real pooled blocks of 64 bytes (the runtime's own pools take 4 KiB at
 * least, so this uses a {@link BufferPool} directly): block edges fall everywhere, and the
 * pool's count of blocks in use proves each block goes back as soon as it is consumed, and that
 * none leaks. Sending the chain over real sockets is in {@link SegmentedBufferContract}.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SegmentedBufferTest {
    private static final int BLOCK = 64;
    private BufferPool pool;

    @BeforeEach
    void openPool() {
        pool = new BufferPool(BLOCK, 256);
    }

    @AfterEach
    void closePool() {
        assertEquals(0, pool.inUse(), "blocks never given back to the pool");
        pool.close();
    }

    /** {@code bytes} cut at {@code cuts} (ascending offsets), each piece further cut to block size, appended in order. */
    private SegmentedBuffer fill(byte[] bytes, int... cuts) {
        SegmentedBuffer buffer = new SegmentedBuffer(pool::acquire);
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int end = i < cuts.length ? cuts[i] : bytes.length;
            for (int at = from; at < end; at += BLOCK) {
                // a full-size piece each time, so append cannot merge it into the tail's room
                IoBuffer piece = pool.acquire();
                piece.write(bytes, at, Math.min(end, at + BLOCK) - at);
                buffer.append(piece);
            }
            from = end;
        }
        return buffer;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void findsADelimiterSplitOverTwoOrThreeBlocksWhereverTheyAreCut() {
        // false starts ("\r\n\r" then "\r\n\r\n") make a naive restart miss the real match
        byte[] text = ascii("x".repeat(150) + "\r\n\r\r\n\r\n" + "y".repeat(60));
        byte[] end = ascii("\r\n\r\n");
        for (int cut = 1; cut < text.length; cut++) {
            SegmentedBuffer buffer = fill(text, cut);
            assertEquals(153, buffer.indexOf(end), "cut at " + cut);
            assertEquals(153, buffer.indexOf(end, 140, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(-1, buffer.indexOf(end, 154, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(-1, buffer.indexOf(end, 0, 156), "the limit bounds the scan, cut at " + cut);
            assertEquals(150, buffer.indexOf((byte) '\r'), "cut at " + cut);
            assertEquals(-1, buffer.indexOf((byte) 'z'), "cut at " + cut);
            buffer.release();
        }
        // A delimiter longer than a block spans three of them.
        byte[] longDelimiter = ascii("<" + "=".repeat(100) + ">");
        byte[] withLong = ascii("a".repeat(40) + "<" + "=".repeat(100) + ">" + "b".repeat(30));
        for (int cut = 1; cut < withLong.length; cut += 7) {
            SegmentedBuffer buffer = fill(withLong, cut);
            assertTrue(buffer.blockCount() >= 3, "blocks: " + buffer.blockCount());
            assertEquals(40, buffer.indexOf(longDelimiter), "cut at " + cut);
            buffer.release();
        }
    }

    @Test
    void readsIntegersSplitAcrossBlockEdges() {
        ByteBuffer expected = ByteBuffer.allocate(BLOCK * 3); // big-endian, like the network
        for (int shift = 0; shift < 9; shift++) {
            expected.clear();
            expected.put(new byte[BLOCK - shift]);  // the numbers below start `shift` bytes before the edge
            expected.putInt(0x01020304).putShort((short) 0xBEEF).putLong(0x1122334455667788L).putInt(-2);
            byte[] bytes = Arrays.copyOf(expected.array(), expected.position());
            SegmentedBuffer buffer = fill(bytes);
            buffer.skip(BLOCK - shift);
            assertEquals(0x01020304, buffer.readInt(), "shift " + shift);
            assertEquals((short) 0xBEEF, buffer.readShort(), "shift " + shift);
            assertEquals(0x1122334455667788L, buffer.readLong(), "shift " + shift);
            assertEquals(-2, buffer.readInt(), "shift " + shift);
            assertEquals(0, buffer.readableBytes());
            assertEquals(0, buffer.blockCount(), "every drained block went back");
            buffer.release();
        }
    }

    @Test
    void readsStringsAcrossBlockEdgesAndReleasesBlocksAsTheyAreConsumed() {
        // é is 2 bytes: after the leading "a" one of them straddles bytes 63 and 64
        String text = "a" + "é".repeat(50) + "\n" + "line two, long enough to reach the third block\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int before = pool.inUse();
        SegmentedBuffer buffer = fill(bytes);
        int held = buffer.blockCount();
        assertEquals(3, held);
        assertEquals(before + held, pool.inUse());
        long eol = buffer.indexOf((byte) '\n');
        assertEquals(101, eol);
        assertEquals("a" + "é".repeat(50), buffer.readString((int) eol, StandardCharsets.UTF_8), "a character split at a block edge");
        assertEquals('\n', buffer.readByte());
        assertEquals(held - 1, buffer.blockCount(), "the first block went back once read past");
        assertEquals(before + held - 1, pool.inUse());
        assertEquals('l', buffer.getByte(0));
        long second = buffer.indexOf((byte) '\n');
        assertEquals("line two, long enough to reach the third block",
                buffer.readString((int) second, StandardCharsets.UTF_8));
        buffer.skip(1);
        assertEquals(0, buffer.readableBytes());
        assertEquals(before, pool.inUse(), "all consumed, all back");
        buffer.release();
    }

    @Test
    void readBuffersMovesWholeBlocksAndCopiesOnlyTheEdge() {
        SegmentedBuffer buffer = new SegmentedBuffer(pool::acquire);
        List<IoBuffer> pieces = new ArrayList<>();
        byte[] bytes = new byte[200];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        for (int at = 0; at < bytes.length; at += BLOCK) {
            IoBuffer piece = pool.acquire().write(bytes, at, Math.min(BLOCK, bytes.length - at));
            pieces.add(piece);
            buffer.append(piece);
        }
        List<IoBuffer> out = buffer.readBuffers(150); // 0-63 and 64-127 whole; 128-149 copied from the third
        assertSame(pieces.get(0), out.get(0));
        assertSame(pieces.get(1), out.get(1));
        assertEquals(3, out.size());
        byte[] moved = new byte[150];
        int at = 0;
        for (IoBuffer b : out) {
            byte[] part = b.toByteArray();
            System.arraycopy(part, 0, moved, at, part.length);
            at += part.length;
            b.release();
        }
        assertArrayEquals(Arrays.copyOf(bytes, 150), moved);
        assertEquals(50, buffer.readableBytes());
        assertEquals((byte) 150, buffer.getByte(0));
        buffer.release();
    }

    @Test
    void trickledBytesShareABlock() {
        SegmentedBuffer buffer = new SegmentedBuffer(pool::acquire);
        for (int i = 0; i < 100; i++) {
            buffer.append(pool.acquire().write(new byte[] {(byte) 'a'}));
        }
        assertEquals(100, buffer.readableBytes());
        assertEquals(2, buffer.blockCount(), "one byte per packet must not pin one block per byte");
        assertEquals(2, pool.inUse());
        buffer.release();
    }

    @Test
    void ownershipMistakesAreRefusedClearly() {
        SegmentedBuffer buffer = new SegmentedBuffer(pool::acquire);
        IoBuffer released = pool.acquire();
        released.release();
        IllegalStateException notOwned = assertThrows(IllegalStateException.class, () -> buffer.append(released));
        assertTrue(notOwned.getMessage().contains("released"), notOwned.getMessage());
        assertThrows(IllegalArgumentException.class, () -> buffer.append(IoBuffer.END_OF_STREAM));

        IoBuffer full = pool.acquire().write(new byte[BLOCK]);
        buffer.append(full);
        assertThrows(IllegalStateException.class, () -> buffer.append(full), "the same block twice");
        assertEquals(BLOCK, buffer.readableBytes(), "a refused append adds nothing");

        IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class, () -> buffer.readBytes(BLOCK + 1));
        assertTrue(past.getMessage().contains("have 64"), past.getMessage());
        assertEquals(BLOCK, buffer.readableBytes(), "a read past the end consumes nothing");
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getByte(BLOCK));

        buffer.release();
        assertTrue(buffer.isReleased());
        IllegalStateException afterRelease = assertThrows(IllegalStateException.class, buffer::readableBytes);
        assertTrue(afterRelease.getMessage().contains("released"), afterRelease.getMessage());
        IoBuffer late = pool.acquire();
        assertThrows(IllegalStateException.class, () -> buffer.append(late));
        late.release(); // the refused append left it with the caller
        assertThrows(IllegalStateException.class, () -> buffer.indexOf((byte) 0));
        buffer.release(); // releasing twice does nothing
    }
}
