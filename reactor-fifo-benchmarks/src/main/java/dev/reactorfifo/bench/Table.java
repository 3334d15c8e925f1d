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
            sb.append(numeric(i) ? "--:|" : "---|");
        }
        sb.append('\n');
        for (String[] row : rows) {
            line(sb, row);
        }
        return sb.toString();
    }

    /** Right-aligned when every cell of the column starts with a digit (a figure), left otherwise. */
    private boolean numeric(int column) {
        if (column == 0 || rows.isEmpty()) {
            return false;
        }
        for (String[] row : rows) {
            if (row[column].isEmpty() || !Character.isDigit(row[column].charAt(0))) {
                return false;
            }
        }
        return true;
    }

    private static void line(StringBuilder sb, String[] cells) {
        sb.append('|');
        for (String c : cells) {
            sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        }
        sb.append('\n');
    }
}
