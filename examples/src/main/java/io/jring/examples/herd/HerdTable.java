package io.jring.examples.herd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The measured rows as a Markdown table, aligned for a terminal, each measured figure followed
 * by the article's in parentheses.
 */
final class HerdTable {
    private static final List<String> HEADER = List.of("row", "EPOLLEXCLUSIVE", "reuse_port", "sockets", "epolls", "threads",
            "woken", "woken mean", "returned (article: woken)", "returned mean", "accept (article)", "EAGAIN mean",
            "no herd (article)");

    private HerdTable() {}

    static List<String> format(List<RowResult> results) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(HEADER);
        for (RowResult result : results) {
            Scenario scenario = result.scenario();
            Scenario.Article article = scenario.article();
            cells.add(List.of(
                    rowName(result, results),
                    Scenario.yesNo(scenario.exclusive()),
                    Scenario.yesNo(scenario.reusePort()),
                    Integer.toString(scenario.listenSockets()),
                    Integer.toString(scenario.epollInstances()),
                    Integer.toString(scenario.threads()),
                    result.wokenRange(),
                    mean(result.meanWoken()),
                    beside(result.returnedRange(), article == null ? null : article.woken()),
                    mean(result.meanReturned()),
                    beside(result.acceptRange(), article == null ? null : article.acceptSuccess()),
                    mean(result.meanFailedAccepts()),
                    beside(Scenario.yesNo(result.noHerd()), article == null ? null : Scenario.yesNo(article.noHerd()))));
        }
        int[] widths = new int[HEADER.size()];
        for (List<String> row : cells) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(cells.getFirst(), widths));
        lines.add(line(Arrays.stream(widths).mapToObj("-"::repeat).toList(), widths));
        for (List<String> row : cells.subList(1, cells.size())) {
            lines.add(line(row, widths));
        }
        return lines;
    }

    /** Per row, how many connections woke (and returned to) 1, 2, ... threads. */
    static List<String> histograms(List<RowResult> results) {
        return results.stream()
                .map(r -> "row " + rowName(r, results) + ": connections by threads woken " + r.wokenHistogram()
                        + "; by threads returned to " + r.returnedHistogram())
                .toList();
    }

    /** What each column means, for under the table. */
    static List<String> legend(int connections) {
        return List.of(
                "woken: threads the kernel woke for one connection (from their voluntary context switches),"
                        + " fewest-most over " + connections + " connections",
                "returned: threads epoll_wait returned to; the other woken threads found the connection taken"
                        + " and slept again inside epoll_wait",
                "accept: accept4 calls that succeeded per connection; EAGAIN: those that found the queue empty",
                "no herd: no connection woke a second thread",
                "(article): the seed article's figure; its 'woken' can only be returns from epoll_wait"
                        + " (examples/README.md says why); * rows the article does not have");
    }

    /** "3" for the third row, "7*" for a row the article does not have. */
    private static String rowName(RowResult result, List<RowResult> results) {
        return (results.indexOf(result) + 1) + (result.scenario().article() == null ? "*" : "");
    }

    private static String mean(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String beside(String measured, String article) {
        return article == null ? measured : measured + " (" + article + ")";
    }

    private static String line(List<String> row, int[] widths) {
        StringBuilder line = new StringBuilder("|");
        for (int c = 0; c < row.size(); c++) {
            String text = row.get(c);
            line.append(' ').append(text).append(" ".repeat(widths[c] - text.length())).append(" |");
        }
        return line.toString();
    }
}
