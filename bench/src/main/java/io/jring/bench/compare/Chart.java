package io.jring.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * chart.svg, drawn by hand (no plotting library): for each workload a row of two panels,
 * requests/s and p99 latency, with one group of bars per connection count and one bar per
 * server; req/s bars carry a min–max whisker over the rounds.
 */
final class Chart {
    private static final Map<String, String> COLORS = Map.of(
            "jring-io_uring", "#d62728", "jring-epoll", "#ff9896", "netty-epoll", "#1f77b4",
            "netty-io_uring", "#aec7e8", "nio", "#7f7f7f", "nginx", "#2ca02c", "c-liburing", "#9467bd",
            "c-epoll", "#c5b0d5", "jring-io_uring-1shot", "#ff7f0e", "jring-io_uring-push", "#8c564b");
    private static final int PANEL_W = 560;
    private static final int PANEL_H = 250;
    private static final int MARGIN_L = 70;
    private static final int MARGIN_T = 40;
    private static final int MARGIN_B = 40;
    private static final int GAP = 40;

    static String svg(Results r) {
        List<String> servers = r.servers();
        List<Options.Workload> workloads = r.options().workloads().stream().filter(w -> !r.cells(w).isEmpty()).toList();
        int legendH = 30;
        int width = 2 * (MARGIN_L + PANEL_W) + GAP + 20;
        int rowH = MARGIN_T + PANEL_H + MARGIN_B;
        int height = legendH + Math.max(1, workloads.size()) * rowH + 20;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        // legend
        int x = MARGIN_L;
        for (String server : servers) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"10\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"20\">%s</text>\n", x, color(server), x + 16, esc(server)));
            x += 24 + 7 * server.length();
        }
        if (workloads.isEmpty()) {
            s.append("<text x=\"70\" y=\"60\">no measurements</text>\n");
        }
        int y = legendH;
        for (Options.Workload w : workloads) {
            List<Results.Cell> cells = r.cells(w);
            panel(s, MARGIN_L, y + MARGIN_T, w.name() + " — requests/s (median, min–max)", cells, servers,
                    r.options().connections(w), true);
            panel(s, 2 * MARGIN_L + PANEL_W + GAP, y + MARGIN_T, w.name() + " — p99 latency (µs, median, log scale)", cells,
                    servers, r.options().connections(w), false);
            y += rowH;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void panel(StringBuilder s, int left, int top, String title, List<Results.Cell> cells,
                              List<String> servers, List<Integer> conns, boolean rps) {
        double max = 0;
        double min = Double.MAX_VALUE;
        for (Results.Cell c : cells) {
            double v = rps ? c.rps().max() : c.p99().median();
            if (!Double.isNaN(v) && v > 0) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        // req/s on a linear axis from 0; latency spans decades (N=10 to N=1000), so a log axis.
        Scale scale = rps ? Scale.linear(niceCeiling(max)) : Scale.log(min == Double.MAX_VALUE ? 1 : min, Math.max(max, 1));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s</text>\n",
                left, top - 12, esc(title)));
        for (double v : scale.ticks()) {
            double yy = top + PANEL_H - PANEL_H * scale.fraction(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    left, yy, left + PANEL_W, yy, left - 6, yy + 4, tick(v, rps)));
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
                left, top + PANEL_H, left + PANEL_W, top + PANEL_H));
        int groups = conns.size();
        double groupW = (double) PANEL_W / Math.max(1, groups);
        List<String> present = new ArrayList<>();
        for (String server : servers) {
            if (cells.stream().anyMatch(c -> c.server().equals(server))) {
                present.add(server);
            }
        }
        double barW = (groupW * 0.8) / Math.max(1, present.size());
        for (int g = 0; g < groups; g++) {
            int n = conns.get(g);
            double gx = left + g * groupW + groupW * 0.1;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">N=%s</text>\n",
                    left + g * groupW + groupW / 2, top + PANEL_H + 16, String.format(Locale.ROOT, "%,d", n)));
            for (int i = 0; i < present.size(); i++) {
                String server = present.get(i);
                Results.Cell cell = cells.stream().filter(c -> c.server().equals(server) && c.conns() == n).findFirst().orElse(null);
                if (cell == null) {
                    continue;
                }
                double v = rps ? cell.rps().median() : cell.p99().median();
                if (Double.isNaN(v)) {
                    continue;
                }
                double h = PANEL_H * scale.fraction(v);
                double bx = gx + i * barW;
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                                + "<title>%s N=%d: %s</title></rect>\n",
                        bx, top + PANEL_H - h, Math.max(1, barW - 1), h, color(server), esc(server), n,
                        rps ? Report.rate(v) + " req/s" : Report.us(v) + " µs"));
                if (rps && cell.rps().count() > 1) {
                    double y1 = top + PANEL_H - PANEL_H * scale.fraction(cell.rps().min());
                    double y2 = top + PANEL_H - PANEL_H * scale.fraction(cell.rps().max());
                    double cx = bx + (barW - 1) / 2;
                    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n",
                            cx, y1, cx, y2));
                }
            }
        }
    }

    /** A value axis: where a value falls (0 at the bottom, 1 at the top) and where ticks go. */
    record Scale(boolean log, double low, double high) {
        static Scale linear(double high) {
            return new Scale(false, 0, high);
        }

        static Scale log(double min, double max) {
            double low = Math.pow(10, Math.floor(Math.log10(min)));
            double high = Math.pow(10, Math.ceil(Math.log10(max)));
            return new Scale(true, low, high > low ? high : low * 10);
        }

        double fraction(double v) {
            if (log) {
                return v <= low ? 0 : Math.min(1, Math.log10(v / low) / Math.log10(high / low));
            }
            return high <= 0 ? 0 : Math.min(1, v / high);
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            if (log) {
                for (double v = low; v <= high * 1.0001; v *= 10) {
                    ticks.add(v);
                }
            } else {
                for (int i = 0; i <= 5; i++) {
                    ticks.add(high * i / 5);
                }
            }
            return ticks;
        }
    }

    static String tick(double v, boolean rps) {
        if (v == 0) {
            return "0";
        }
        return rps ? Report.rate(v) : Report.us(v);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceCeiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String color(String server) {
        return COLORS.getOrDefault(server, "#bcbd22");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private Chart() {}
}
