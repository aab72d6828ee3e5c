package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoBuffer;
import io.jring.bindings.LibC;
import io.jring.op.RecvOp;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A provided-buffer ring of four entries serving 60 recvs, three buffers held at a time and
 * given back in reverse order: the ring's tail wraps many times, each recv gets its own message
 * in a buffer no one else holds, and the pool ends where it started.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProvidedBufferRingWrapTest {
    @Test
    void moreBuffersPassThroughThanTheRingHolds() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 4)) {
            assertTrue(ring.providedBufferGroup() >= 0, () -> "no provided-buffer ring: " + ring.driver.describe());
            int[] pair = ring.seqpacketPair();
            int inUseBefore = ring.pool.inUse();
            int message = 0;
            for (int round = 0; round < 20; round++) {
                List<IoBuffer> heldNow = new ArrayList<>();
                for (int i = 0; i < 3; i++, message++) {
                    String text = "message " + message;
                    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                    MemorySegment out = ring.arena.allocate(bytes.length);
                    out.copyFrom(MemorySegment.ofArray(bytes));
                    assertEquals(bytes.length, LibC.write(pair[1], out, bytes.length));
                    RecvOp recv = new RecvOp(ring, ring, pair[0], 0);
                    ring.driver.submit(recv);
                    ring.pollUntil(recv::isDone, "recv of " + text);
                    IoBuffer buffer = recv.join();
                    assertEquals(text, buffer.toString(StandardCharsets.US_ASCII));
                    for (IoBuffer other : heldNow) {
                        assertTrue(io.jring.buffer.Buffers.block(other) != io.jring.buffer.Buffers.block(buffer), "one block handed out twice");
                    }
                    heldNow.add(buffer);
                }
                for (int i = heldNow.size() - 1; i >= 0; i--) {
                    heldNow.get(i).release();
                }
            }
            assertEquals(60, ring.providedTaken, "recvs did not take their buffers from the provided ring");
            ring.driver.poll(0); // refills the ring from the pool
            assertEquals(inUseBefore, ring.pool.inUse(), "blocks went missing or were counted twice");
        }
    }

    @Test
    void aBufferTakenTwiceOrRecycledTwiceFailsLoudly() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 4)) {
            IoBuffer taken = ring.pool.acquire();
            int block = io.jring.buffer.Buffers.block(taken);
            taken.release();
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> ring.pool.recycle(block));
            assertTrue(twice.getMessage().contains("block " + block), twice.getMessage());
            int notLent = io.jring.buffer.Buffers.block(ring.pool.acquire()); // a block the provided ring does not hold
            IllegalStateException notLentTaken = assertThrows(IllegalStateException.class,
                    () -> ring.driver.takeProvidedBuffer(notLent, 1));
            assertTrue(notLentTaken.getMessage().contains("provided buffer " + notLent), notLentTaken.getMessage());
            ring.pool.recycle(notLent);
        }
    }
}
