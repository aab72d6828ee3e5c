package io.jring.examples.http;

import java.util.List;
import java.util.Locale;

/**
 * A request line and its header fields, checked against the grammar of RFC 9110/9112, with
 * what they mean for framing: keep-alive, chunked or Content-Length body, Expect.
 */
record RequestHead(String method, String target, boolean http11, List<Request.Header> headers,
                   boolean keepAlive, boolean chunked, long contentLength, boolean expectContinue) {

    /** One {@code name: value} line; the name comes back lower-cased. */
    static Request.Header parseField(String line) throws HttpError {
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
            throw new HttpError(400, "folded header line (obsolete line folding is refused)");
        }
        int colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line, 0, colon)) {
            throw new HttpError(400, "malformed header line '" + printable(line) + "'");
        }
        String value = trimWhitespace(line.substring(colon + 1));
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new HttpError(400, "control character in header " + line.substring(0, colon));
            }
        }
        return new Request.Header(line.substring(0, colon).toLowerCase(Locale.ROOT), value);
    }

    /** Checks the request line and reads the fields that frame the message. */
    static RequestHead interpret(String requestLine, List<Request.Header> headers, long maxBody) throws HttpError {
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !isToken(parts[0], 0, parts[0].length())) {
            throw new HttpError(400, "malformed request line '" + printable(requestLine) + "'");
        }
        String method = parts[0];
        String target = originForm(parts[1]);
        if (target == null || !target.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new HttpError(400, "request target must be a path starting with '/'");
        }
        boolean http11 = switch (parts[2]) {
            case "HTTP/1.1" -> true;
            case "HTTP/1.0" -> false;
            default -> throw parts[2].matches("HTTP/[0-9]\\.[0-9]")
                    ? new HttpError(505, parts[2] + " is not supported; use HTTP/1.1")
                    : new HttpError(400, "malformed HTTP version '" + printable(parts[2]) + "'");
        };
        String hosts = null;
        String lengths = null;
        String encodings = null;
        String connection = "";
        String expect = null;
        for (Request.Header h : headers) {
            switch (h.name()) {
                case "host" -> hosts = hosts == null ? h.value() : "\n";
                case "content-length" -> lengths = lengths == null || lengths.equals(h.value()) ? h.value() : "\n";
                case "transfer-encoding" -> encodings = encodings == null ? h.value() : encodings + "," + h.value();
                case "connection" -> connection += "," + h.value().toLowerCase(Locale.ROOT);
                case "expect" -> expect = h.value();
                default -> { }
            }
        }
        if (http11 && (hosts == null || hosts.equals("\n"))) {
            throw new HttpError(400, hosts == null ? "HTTP/1.1 request without Host" : "more than one Host header");
        }
        if (lengths != null && encodings != null) {
            throw new HttpError(400, "both Content-Length and Transfer-Encoding");
        }
        boolean chunked = false;
        if (encodings != null) {
            if (!trimWhitespace(encodings).equalsIgnoreCase("chunked")) {
                throw new HttpError(501, "Transfer-Encoding '" + printable(encodings) + "' is not supported (only chunked)");
            }
            chunked = true;
        }
        long contentLength = 0;
        if (lengths != null) {
            if (lengths.isEmpty() || lengths.length() > 18 || !lengths.chars().allMatch(Character::isDigit)) {
                throw new HttpError(400, "bad Content-Length");
            }
            contentLength = Long.parseLong(lengths);
            if (contentLength > maxBody) {
                throw new HttpError(413, "request body of " + contentLength + " bytes is over " + maxBody);
            }
        }
        boolean expectContinue = false;
        if (expect != null) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                throw new HttpError(417, "Expect '" + printable(expect) + "' is not supported");
            }
            expectContinue = true;
        }
        boolean keepAlive = http11 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");
        return new RequestHead(method, target, http11, List.copyOf(headers), keepAlive, chunked, contentLength, expectContinue);
    }

    /**
     * The path-and-query of a target: as is when it starts with '/', or cut out of the
     * absolute form ({@code http://host/path}) that RFC 9112 3.2.2 says a server must accept.
     * Null for anything else ({@code *}, or no scheme).
     */
    private static String originForm(String target) {
        if (target.startsWith("/")) {
            return target;
        }
        String lower = target.toLowerCase(Locale.ROOT);
        int authority = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (authority < 0) {
            return null;
        }
        int slash = target.indexOf('/', authority);
        int query = target.indexOf('?', authority);
        if (slash < 0 || (query >= 0 && query < slash)) {
            return query < 0 ? "/" : "/" + target.substring(query);
        }
        return target.substring(slash);
    }

    /** RFC 9110 token characters: what methods and header names are made of. */
    static boolean isToken(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Strips optional whitespace (SP and HTAB only: anything else is the value's, and checked). */
    private static String trimWhitespace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean hasToken(String commaList, String token) {
        for (String part : commaList.split(",")) {
            if (trimWhitespace(part).equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** Echoes client text into an error message safely: short, and control bytes shown as '?'. */
    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
