package io.jring.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Stats.of(List.of(5.0, 1.0, 3.0)).median());
        assertEquals(2.5, Stats.of(List.of(4.0, 1.0, 2.0, 3.0)).median());
    }

    @Test
    void spreadIsMinAndMax() {
        Stats s = Stats.of(List.of(10.0, 12.0, 8.0));
        assertEquals(8, s.min());
        assertEquals(12, s.max());
        assertEquals(3, s.count());
        assertEquals(0.4, s.spread(), 1e-9);
    }

    @Test
    void missingValuesAreLeftOut() {
        Stats s = Stats.of(Arrays.asList(Double.NaN, 4.0, null));
        assertEquals(1, s.count());
        assertEquals(4, s.median());
        assertFalse(Stats.of(List.of(Double.NaN)).present());
    }

    @Test
    void nearestRankPercentile() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 100..1, unsorted on purpose
        }
        assertEquals(50, Stats.percentile(v, 50).getAsDouble());
        assertEquals(99, Stats.percentile(v, 99).getAsDouble());
        assertEquals(100, Stats.percentile(v, 99.9).getAsDouble());
        assertEquals(1, Stats.percentile(v, 0).getAsDouble());
        assertFalse(Stats.percentile(new double[0], 50).isPresent());
    }
}
