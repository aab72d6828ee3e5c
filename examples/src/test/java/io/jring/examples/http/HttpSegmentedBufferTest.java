package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The segmented buffer on 64-byte pooled blocks: scans, reads and moves across block boundaries. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class HttpSegmentedBufferTest {
    private static final byte[] END = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private TinyBlocks blocks;

    @BeforeAll
    void open() throws Exception {
        blocks = new TinyBlocks();
    }

    @AfterAll
    void close() throws Exception {
        blocks.close();
    }

    private SegmentedBuffer fill(byte[] bytes, int... cuts) {
        SegmentedBuffer buffer = new SegmentedBuffer();
        blocks.pieces(bytes, cuts).forEach(buffer::append);
        return buffer;
    }

    @Test
    void findsADelimiterWhereverTheBlocksAreCut() {
        // false starts ("\r\n\r" then "\r\n\r\n") make a naive restart miss the real match
        byte[] text = ("x".repeat(150) + "\r\n\r\r\n\r\n" + "y".repeat(60)).getBytes(StandardCharsets.ISO_8859_1);
        int baseline = blocks.inUse();
        for (int cut = 1; cut < text.length; cut++) {
            SegmentedBuffer buffer = fill(text, cut);
            assertEquals(153, buffer.indexOf(END, 0, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(153, buffer.indexOf(END, 140, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(-1, buffer.indexOf(END, 154, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(-1, buffer.indexOf(END, 0, 156), "the limit bounds the scan, cut at " + cut);
            buffer.release();
        }
        assertEquals(baseline, blocks.inUse(), "every block went back to the pool");
    }

    @Test
    void findsBareLineEndsWhereverTheBlocksAreCut() {
        String crlfOnly = "x".repeat(100) + "\r\n" + "y".repeat(40) + "\r\n\r\n";
        String bareLf = "x".repeat(100) + "\r\n" + "y".repeat(40) + "\n" + "z";         // LF at 142
        String bareCr = "x".repeat(100) + "\r\n" + "y".repeat(40) + "\r" + "z";         // CR at 142
        int baseline = blocks.inUse();
        for (int cut = 1; cut < crlfOnly.length(); cut++) {
            SegmentedBuffer good = fill(latin1(crlfOnly), cut);
            assertEquals(-1, good.indexOfBareLineEnd(0, Long.MAX_VALUE), "cut at " + cut);
            good.release();
        }
        for (int cut = 1; cut < bareLf.length(); cut++) {
            SegmentedBuffer lf = fill(latin1(bareLf), cut);
            assertEquals(142, lf.indexOfBareLineEnd(0, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(142, lf.indexOfBareLineEnd(120, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(142, lf.indexOfBareLineEnd(142, Long.MAX_VALUE), "from the LF itself, cut at " + cut);
            assertEquals(-1, lf.indexOfBareLineEnd(143, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(-1, lf.indexOfBareLineEnd(0, 142), "the limit bounds the scan, cut at " + cut);
            lf.release();
            SegmentedBuffer cr = fill(latin1(bareCr), cut);
            assertEquals(142, cr.indexOfBareLineEnd(0, Long.MAX_VALUE), "cut at " + cut);
            // resuming right after the CR still judges it, by the byte that follows
            assertEquals(142, cr.indexOfBareLineEnd(143, Long.MAX_VALUE), "cut at " + cut);
            cr.release();
        }
        SegmentedBuffer pending = fill(latin1("abc\r"));
        assertEquals(-1, pending.indexOfBareLineEnd(0, Long.MAX_VALUE), "a CR at the end is not judged yet");
        pending.release();
        SegmentedBuffer leading = fill(latin1("\nGET"));
        assertEquals(0, leading.indexOfBareLineEnd(0, Long.MAX_VALUE), "a LF first of all has no CR before it");
        leading.release();
        assertEquals(baseline, blocks.inUse(), "every block went back to the pool");
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void readsLinesAcrossBlocksAndFreesDrainedBlocks() {
        String text = "GET /a-rather-long-path-that-spans-more-than-one-block HTTP/1.1\r\nHost: t\r\n\r\n";
        int baseline = blocks.inUse();
        SegmentedBuffer buffer = fill(text.getBytes(StandardCharsets.ISO_8859_1), 5, 70);
        int held = buffer.blockCount();
        assertTrue(held >= 3, "held " + held);
        long eol = buffer.indexOf(new byte[] {'\r', '\n'}, 0, Long.MAX_VALUE);
        assertEquals(text.substring(0, (int) eol), buffer.readLatin1((int) eol));
        buffer.skip(2);
        assertTrue(buffer.blockCount() < held, "drained blocks are released as reading passes them");
        assertEquals('H', buffer.byteAt(0));
        assertEquals("Host: t\r\n\r\n", buffer.readLatin1(11));
        assertEquals(0, buffer.readableBytes());
        assertEquals(baseline, blocks.inUse());
    }

    @Test
    void movesWholeBlocksWithoutCopyingAndCopiesOnlyTheEdge() {
        int baseline = blocks.inUse();
        SegmentedBuffer buffer = new SegmentedBuffer();
        byte[] bytes = new byte[200];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        List<IoBuffer> pieces = blocks.pieces(bytes);
        pieces.forEach(buffer::append);
        List<IoBuffer> out = new ArrayList<>();
        buffer.moveTo(out, 150, blocks::allocate); // blocks 0-63, 64-127 whole; 128-149 copied out of the third
        assertSame(pieces.get(0), out.get(0));
        assertSame(pieces.get(1), out.get(1));
        assertEquals(150, out.stream().mapToInt(IoBuffer::readableBytes).sum());
        byte[] moved = new byte[150];
        int at = 0;
        for (IoBuffer b : out) {
            byte[] part = b.toByteArray();
            System.arraycopy(part, 0, moved, at, part.length);
            at += part.length;
        }
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(bytes, 150)), java.util.Arrays.toString(moved));
        assertEquals(50, buffer.readableBytes());
        assertEquals((byte) 150, buffer.byteAt(0));
        out.forEach(IoBuffer::release);
        buffer.release();
        assertEquals(baseline, blocks.inUse());
    }

    @Test
    void trickledBytesShareBlocks() {
        int baseline = blocks.inUse();
        SegmentedBuffer buffer = new SegmentedBuffer();
        for (int i = 0; i < 100; i++) {
            buffer.append(blocks.block(new byte[] {(byte) 'a'}, 0, 1));
        }
        assertEquals(100, buffer.readableBytes());
        assertEquals(2, buffer.blockCount(), "one byte per packet must not pin one block per byte");
        buffer.release();
        assertEquals(baseline, blocks.inUse());
    }
}
