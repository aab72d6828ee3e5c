package io.jring.bench.compare;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/** Median and spread of a handful of repeated measurements (NaN means "not measured"). */
public record Stats(double median, double min, double max, int count) {
    public static final Stats NONE = new Stats(Double.NaN, Double.NaN, Double.NaN, 0);

    public static Stats of(List<Double> values) {
        double[] v = values.stream().filter(d -> d != null && !d.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return NONE;
        }
        return new Stats(median(v), v[0], v[v.length - 1], v.length);
    }

    /** The middle value of sorted values, or the mean of the two middle ones. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Nearest-rank percentile (p in 0..100) of unsorted values. */
    public static OptionalDouble percentile(double[] values, double p) {
        if (values.length == 0) {
            return OptionalDouble.empty();
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return OptionalDouble.of(v[Math.max(0, Math.min(v.length - 1, rank - 1))]);
    }

    public boolean present() {
        return count > 0;
    }

    /** Relative spread (max - min) / median, for flagging noisy cells. */
    public double spread() {
        return present() && median != 0 ? (max - min) / median : 0;
    }
}
