package dev.reactorfifo.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The Markdown the harness prints and writes: a summary of the bars first, then one section per
 * scenario; plus the throughput rows the SVG chart is drawn from.
 */
final class Report {

    /** One bar of the issue, judged on this run's numbers. */
    record Verdict(String scenario, String bar, String measured, boolean met) {
    }

    /** One bar of the throughput chart: a contender's median ratio to {@code cat}, and its range. */
    record ChartBar(String group, String label, double median, double min, double max) {
    }

    private final StringBuilder body = new StringBuilder();
    private final List<Verdict> verdicts = new ArrayList<>();
    final List<ChartBar> chart = new ArrayList<>();

    void section(String title) {
        body.append("\n### ").append(title).append("\n\n");
        System.out.println("\n== " + title);
    }

    void paragraph(String text) {
        body.append(text).append("\n\n");
    }

    void table(Table table) {
        String md = table.toMarkdown();
        body.append(md).append('\n');
        System.out.print(md);
    }

    void verdict(String scenario, String bar, String measured, boolean met) {
        verdicts.add(new Verdict(scenario, bar, measured, met));
        String line = "- **" + (met ? "met" : "MISSED") + "**: " + bar + ": " + measured;
        body.append(line).append('\n');
        System.out.println(line);
    }

    void endVerdicts() {
        body.append('\n');
    }

    String toMarkdown(String machineLine, String settingsLine) {
        StringBuilder sb = new StringBuilder();
        sb.append(machineLine).append("\n\n").append(settingsLine).append("\n\n");
        if (!verdicts.isEmpty()) {
            Table t = new Table("scenario", "bar", "this run", "verdict");
            for (Verdict v : verdicts) {
                t.row(v.scenario(), v.bar(), v.measured(), v.met() ? "met" : "**missed**");
            }
            sb.append("#### The bars\n\n").append(t.toMarkdown()).append('\n');
        }
        sb.append(body);
        return sb.toString();
    }
}
