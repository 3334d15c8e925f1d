package dev.reactorfifo.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table. */
final class Table {

    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = headers;
    }

    Table row(String... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("expected " + headers.length + " cells, got " + cells.length);
        }
        rows.add(cells);
        return this;
    }

    String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        line(sb, headers);
        sb.append('|');
        for (int i = 0; i < headers.length; i++) {
            sb.append(i == 0 ? "---|" : "--:|");
        }
        sb.append('\n');
        for (String[] row : rows) {
            line(sb, row);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells) {
        sb.append('|');
        for (String c : cells) {
            sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        }
        sb.append('\n');
    }
}
