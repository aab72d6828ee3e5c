package io.jring.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.bindings.Errno;
import io.jring.bindings.LibC;
import io.jring.op.ZeroCopySendOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A zero-copy send on a socket that refuses it: a Unix stream socket has no zero-copy path, so
 * the kernel answers SEND_ZC with EOPNOTSUPP (and still a notification). The op must wait for
 * that notification, send the same bytes by plain SEND with no error to its user, end exactly
 * once, and say the socket refused, so its connection stops trying.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ZeroCopySendRingTest {
    @Test
    void aSocketThatRefusesZeroCopyGetsTheSameBytesByPlainSend() throws Exception {
        try (RingHarness ring = new RingHarness(8, 32, 0)) {
            int[] pair = ring.streamPair();
            byte[] bytes = new byte[3000];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 7 + 3);
            }
            ZeroCopySendOp send = new ZeroCopySendOp(ring, ring, pair[0], MemorySegment.ofArray(bytes), 0);
            ring.driver.submit(send);
            ring.pollUntil(() -> ring.endings(send) > 0, "the refused zero-copy send to end");
            assertNull(send.join(), "the user saw the refusal");
            ring.assertEndedOnce(send);
            assertTrue(send.refusedBySocket(), "the op did not report the socket's refusal");
            assertEquals(0, ring.zeroCopySent, "bytes the kernel refused were counted as sent zero-copy");

            MemorySegment got = ring.arena.allocate(bytes.length + 16);
            long n = LibC.read(pair[1], got, got.byteSize());
            assertEquals(bytes.length, n, () -> "read: " + (n < 0 ? Errno.describe((int) n) : n + " bytes"));
            assertArrayEquals(bytes, got.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
