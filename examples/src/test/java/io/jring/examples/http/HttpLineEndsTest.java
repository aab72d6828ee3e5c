package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jring.SegmentedBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP's bare CR / bare LF check over the runtime's {@link SegmentedBuffer}, on 64-byte pooled
 * blocks cut at every offset. (The buffer itself is tested in the runtime: SegmentedBufferTest.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class HttpLineEndsTest {
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
        SegmentedBuffer buffer = new SegmentedBuffer(blocks::allocate);
        blocks.pieces(bytes, cuts).forEach(buffer::append);
        return buffer;
    }

    @Test
    void findsBareLineEndsWhereverTheBlocksAreCut() {
        String crlfOnly = "x".repeat(100) + "\r\n" + "y".repeat(40) + "\r\n\r\n";
        String bareLf = "x".repeat(100) + "\r\n" + "y".repeat(40) + "\n" + "z";         // LF at 142
        String bareCr = "x".repeat(100) + "\r\n" + "y".repeat(40) + "\r" + "z";         // CR at 142
        int baseline = blocks.inUse();
        for (int cut = 1; cut < crlfOnly.length(); cut++) {
            SegmentedBuffer good = fill(latin1(crlfOnly), cut);
            assertEquals(-1, LineEnds.indexOfBareLineEnd(good, 0, Long.MAX_VALUE), "cut at " + cut);
            good.release();
        }
        for (int cut = 1; cut < bareLf.length(); cut++) {
            SegmentedBuffer lf = fill(latin1(bareLf), cut);
            assertEquals(142, LineEnds.indexOfBareLineEnd(lf, 0, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(142, LineEnds.indexOfBareLineEnd(lf, 120, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(142, LineEnds.indexOfBareLineEnd(lf, 142, Long.MAX_VALUE), "from the LF itself, cut at " + cut);
            assertEquals(-1, LineEnds.indexOfBareLineEnd(lf, 143, Long.MAX_VALUE), "cut at " + cut);
            assertEquals(-1, LineEnds.indexOfBareLineEnd(lf, 0, 142), "the limit bounds the scan, cut at " + cut);
            lf.release();
            SegmentedBuffer cr = fill(latin1(bareCr), cut);
            assertEquals(142, LineEnds.indexOfBareLineEnd(cr, 0, Long.MAX_VALUE), "cut at " + cut);
            // resuming right after the CR still judges it, by the byte that follows
            assertEquals(142, LineEnds.indexOfBareLineEnd(cr, 143, Long.MAX_VALUE), "cut at " + cut);
            cr.release();
        }
        SegmentedBuffer pending = fill(latin1("abc\r"));
        assertEquals(-1, LineEnds.indexOfBareLineEnd(pending, 0, Long.MAX_VALUE), "a CR at the end is not judged yet");
        pending.release();
        SegmentedBuffer leading = fill(latin1("\nGET"));
        assertEquals(0, LineEnds.indexOfBareLineEnd(leading, 0, Long.MAX_VALUE), "a LF first of all has no CR before it");
        leading.release();
        assertEquals(baseline, blocks.inUse(), "every block went back to the pool");
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
