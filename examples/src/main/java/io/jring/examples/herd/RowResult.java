package io.jring.examples.herd;

import java.util.Arrays;
import java.util.IntSummaryStatistics;
import java.util.StringJoiner;

/**
 * The measured figures of one row, per connection: threads the kernel woke, threads epoll_wait
 * returned to, accepts that succeeded, and accepts that found nothing (EAGAIN).
 */
final class RowResult {
    private final Scenario scenario;
    private final int[] wokenPerConnection;
    private final int[] returnedPerConnection;
    private final IntSummaryStatistics woken;
    private final IntSummaryStatistics returned;
    private final IntSummaryStatistics accepts;
    private final IntSummaryStatistics failedAccepts;
    private final int strays;

    RowResult(Scenario scenario, int[] woken, int[] returned, int[] accepts, int[] failedAccepts, int strays) {
        this.scenario = scenario;
        this.wokenPerConnection = woken.clone();
        this.returnedPerConnection = returned.clone();
        this.woken = Arrays.stream(woken).summaryStatistics();
        this.returned = Arrays.stream(returned).summaryStatistics();
        this.accepts = Arrays.stream(accepts).summaryStatistics();
        this.failedAccepts = Arrays.stream(failedAccepts).summaryStatistics();
        this.strays = strays;
    }

    Scenario scenario() {
        return scenario;
    }

    /** "1" or "1-3": the fewest and most threads the kernel woke for one connection. */
    String wokenRange() {
        return range(woken);
    }

    double meanWoken() {
        return woken.getAverage();
    }

    /** The fewest and most threads epoll_wait returned to for one connection. */
    String returnedRange() {
        return range(returned);
    }

    double meanReturned() {
        return returned.getAverage();
    }

    String acceptRange() {
        return range(accepts);
    }

    double meanFailedAccepts() {
        return failedAccepts.getAverage();
    }

    /** No connection woke a second thread. */
    boolean noHerd() {
        return woken.getMax() == 1;
    }

    /** "8:100": how many connections woke 1, 2, ... threads. */
    String wokenHistogram() {
        return histogram(wokenPerConnection);
    }

    /** "1:93 2:7": how many connections epoll_wait returned to 1, 2, ... threads for. */
    String returnedHistogram() {
        return histogram(returnedPerConnection);
    }

    /** Wakes or accepts that matched no connection; anything but 0 means attribution failed. */
    int strays() {
        return strays;
    }

    private String histogram(int[] perConnection) {
        int[] connections = new int[scenario.threads() + 1];
        for (int threads : perConnection) {
            connections[threads]++;
        }
        StringJoiner joiner = new StringJoiner(" ");
        for (int threads = 0; threads < connections.length; threads++) {
            if (connections[threads] > 0) {
                joiner.add(threads + ":" + connections[threads]);
            }
        }
        return joiner.toString();
    }

    private static String range(IntSummaryStatistics stats) {
        return stats.getMin() == stats.getMax() ? Integer.toString(stats.getMin()) : stats.getMin() + "-" + stats.getMax();
    }
}
