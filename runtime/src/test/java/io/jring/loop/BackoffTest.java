package io.jring.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The retry schedule of a paused accept: 10 ms doubling to 1 s, from 10 ms again after a success. */
class BackoffTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void doublesFromTheFirstPauseUpToTheMaximumAndStaysThere() {
        Backoff backoff = new Backoff(ListenSocket.FIRST_RETRY_NANOS, ListenSocket.MAX_RETRY_NANOS);
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            millis.add(backoff.next() / MS);
        }
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L, 1000L), millis);
    }

    @Test
    void aSuccessStartsOverFromTheFirstPause() {
        Backoff backoff = new Backoff(10 * MS, 1000 * MS);
        assertFalse(backoff.backingOff());
        backoff.next();
        backoff.next();
        assertTrue(backoff.backingOff());
        backoff.reset();
        assertFalse(backoff.backingOff());
        assertEquals(10 * MS, backoff.next());
        assertEquals(20 * MS, backoff.next());
    }

    @Test
    void aMaximumThatIsNotAPowerOfTwoOfTheFirstIsReachedNotPassed() {
        Backoff backoff = new Backoff(3, 10);
        assertEquals(List.of(3L, 6L, 10L, 10L), List.of(backoff.next(), backoff.next(), backoff.next(), backoff.next()));
    }

    @Test
    void refusesASchedulesThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5));
    }

    @Test
    void neverOverflowsNearTheLargestMaximum() {
        Backoff backoff = new Backoff(1, Long.MAX_VALUE);
        long last = 0;
        for (int i = 0; i < 100; i++) {
            long next = backoff.next();
            assertTrue(next >= last && next > 0, "pause " + i + ": " + next);
            last = next;
        }
        assertEquals(Long.MAX_VALUE, last);
    }
}
