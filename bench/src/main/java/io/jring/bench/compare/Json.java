package io.jring.bench.compare;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the flat one-line JSON objects the load generator prints (numbers and plain strings). */
final class Json {
    private static final Pattern FIELD = Pattern.compile("\"([A-Za-z0-9_]+)\"\\s*:\\s*(\"([^\"]*)\"|[-+0-9.eE]+|true|false|null)");

    static Map<String, String> parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        String trimmed = line.trim();
        if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
            return fields;
        }
        Matcher m = FIELD.matcher(trimmed);
        while (m.find()) {
            fields.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        }
        return fields;
    }

    static double number(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private Json() {}
}
