package io.jring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * SegmentedBuffer over real sockets: what recv() hands over is appended without copying, lines
 * are found across receives and blocks, a prefix split off as buffers goes out with one sendv,
 * the rest with sendTo (several gathers past sendv's limit), and every block comes back.
 */
public abstract class SegmentedBufferContract extends RuntimeTestBase {

    /** Receives (on this thread) until {@code in} holds {@code count} newlines. */
    private static void receiveLines(Connection connection, SegmentedBuffer in, int count) {
        while (true) {
            long newlines = 0;
            for (long at = in.indexOf((byte) '\n'); at >= 0; ) {
                newlines++;
                long from = at + 1;
                at = in.forEachByte(from, Long.MAX_VALUE, b -> b != '\n');
            }
            if (newlines >= count) {
                return;
            }
            IoBuffer received = Await.get(connection.recv());
            assertTrue(!received.isEndOfStream(), "end of stream before " + count + " lines");
            in.append(received);
        }
    }

    @Test
    void linesSplitAcrossReceivesAndBlocksGoBackWithGathers() throws Exception {
        IoRuntime runtime = open(1);
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        Connection connection = pair.connection();
        // Lines longer than a 16 KiB block, written in uneven pieces so receives cut them anywhere.
        byte[] first = (("first line " + "a".repeat(20_000)) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] second = (("second line " + "b".repeat(30_000)) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        for (int at = 0; at < all.length; at += 7_777) {
            pair.peer().write(Arrays.copyOfRange(all, at, Math.min(all.length, at + 7_777)));
        }

        SegmentedBuffer in = new SegmentedBuffer(connection::allocate);
        receiveLines(connection, in, 2);
        assertEquals(all.length, in.readableBytes());
        assertTrue(in.blockCount() >= 3, "two lines over 50 KiB fill several blocks: " + in.blockCount());

        long eol = in.indexOf((byte) '\n');
        assertEquals(first.length - 1, eol);
        List<IoBuffer> line = in.readBuffers(eol + 1);
        Await.get(connection.sendv(line.toArray(IoBuffer[]::new)));
        assertArrayEquals(first, pair.peer().readExactly(first.length), "the first line, echoed from its own blocks");

        Await.get(in.sendTo(connection));
        assertEquals(0, in.readableBytes());
        assertEquals(0, in.blockCount(), "sendTo handed every block to the send");
        assertArrayEquals(second, pair.peer().readExactly(second.length), "the rest, in one gather");
        in.release();
        assertEquals(0, connection.queuedSendBytes());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void sendToSplitsAChainLongerThanOneGatherTakes() throws Exception {
        // 4 KiB blocks: one sendv takes (4096 - 56) / 16 = 252 of them.
        IoRuntime runtime = open(IoRuntimeOptions.defaults().withThreads(1).withBuffers(4096, 1024, 64));
        Pair pair = accepted(runtime);
        int baseline = idleBaseline(runtime);
        Connection connection = pair.connection();
        SegmentedBuffer chain = new SegmentedBuffer(connection::allocate);
        int blocks = 600;
        long total = 0;
        for (int i = 0; i < blocks; i++) {
            IoBuffer block = connection.allocate();
            Payloads.fillPattern(block.writableSegment(), total);
            block.writerIndex(block.capacity());
            total += block.capacity();
            chain.append(block);
        }
        assertEquals(blocks, chain.blockCount());
        AtomicLong read = new AtomicLong();
        Thread drain = StalledPeer.drain(pair.peer(), total, read);
        Await.get(chain.sendTo(connection));
        StalledPeer.awaitDrained(drain, read, total);
        chain.release();
        assertEquals(0, connection.queuedSendBytes());
        assertBuffersBackTo(runtime, baseline);
    }
}
