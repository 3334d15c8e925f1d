package dev.reactorfifo.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The throughput rows as a horizontal bar chart, relative to {@code cat}; hand-written SVG. */
final class SvgChart {

    private static final int WIDTH = 900;
    private static final int LABEL_WIDTH = 340;
    private static final int PLOT_RIGHT = WIDTH - 70;
    private static final int BAR_HEIGHT = 16;
    private static final int ROW = 22;
    private static final int GROUP_GAP = 34;

    private SvgChart() {
    }

    static String render(List<Report.ChartBar> bars, String subtitle) {
        Map<String, List<Report.ChartBar>> groups = new LinkedHashMap<>();
        double max = 1.2;
        for (Report.ChartBar b : bars) {
            groups.computeIfAbsent(b.group(), k -> new ArrayList<>()).add(b);
            max = Math.max(max, Double.isNaN(b.max()) ? b.median() : b.max());
        }
        double scaleMax = Math.ceil(max * 2) / 2; // next multiple of 0.5
        int height = 70 + groups.size() * GROUP_GAP + bars.size() * ROW + 40;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">%n", WIDTH, height, WIDTH, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        s.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Throughput through one FIFO, relative to cat "
                + "(median of paired ratios; whiskers: min-max)</text>\n");
        s.append("<text x=\"10\" y=\"40\" fill=\"#555\">").append(escape(subtitle)).append("</text>\n");
        int top = 60;
        int plotBottom = height - 40;
        // grid
        for (double v = 0; v <= scaleMax + 1e-9; v += 0.5) {
            double x = x(v, scaleMax);
            boolean one = Math.abs(v - 1) < 1e-9;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" %s/>%n",
                    x, top, x, plotBottom, one ? "#333" : "#ddd", one ? "stroke-dasharray=\"4 3\"" : ""));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%sx</text>%n",
                    x, plotBottom + 16, fmt(v)));
        }
        int y = top;
        for (Map.Entry<String, List<Report.ChartBar>> g : groups.entrySet()) {
            y += GROUP_GAP - 10;
            s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y, escape(g.getKey())));
            y += 6;
            for (Report.ChartBar b : g.getValue()) {
                String color = color(b.label());
                double w = x(b.median(), scaleMax) - LABEL_WIDTH;
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                        LABEL_WIDTH - 8, y + BAR_HEIGHT - 4, escape(b.label())));
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL_WIDTH, y, Math.max(0, w), BAR_HEIGHT, color));
                double labelAt = x(b.median(), scaleMax);
                if (!Double.isNaN(b.min()) && !Double.isNaN(b.max()) && b.max() > b.min()) {
                    double x1 = x(b.min(), scaleMax);
                    double x2 = x(b.max(), scaleMax);
                    int cy = y + BAR_HEIGHT / 2;
                    s.append(String.format(Locale.ROOT, "<path d=\"M%.1f %dH%.1fM%.1f %dV%dM%.1f %dV%d\" stroke=\"#222\" fill=\"none\"/>%n",
                            x1, cy, x2, x1, cy - 4, cy + 4, x2, cy - 4, cy + 4));
                    labelAt = Math.max(labelAt, x2);
                }
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%sx</text>%n", labelAt + 5, y + BAR_HEIGHT - 4,
                        String.format(Locale.ROOT, "%.2f", b.median())));
                y += ROW;
            }
        }
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" fill=\"#555\">grey: cat (whiskers of the reference: "
                + "its own runs over their median); orange: tools and plain Java; blue: reactor-fifo</text>%n", height - 8));
        s.append("</svg>\n");
        return s.toString();
    }

    private static double x(double ratio, double scaleMax) {
        return LABEL_WIDTH + (PLOT_RIGHT - LABEL_WIDTH) * Math.max(0, ratio) / scaleMax;
    }

    private static String color(String label) {
        if (label.startsWith("cat")) {
            return "#9e9e9e";
        }
        if (label.contains("lines()") || label.contains("writeLines") || label.contains("FifoSink")) {
            return "#2b6cb0";
        }
        return "#dd8452";
    }

    private static String fmt(double v) {
        return v == Math.floor(v) ? String.valueOf((int) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
