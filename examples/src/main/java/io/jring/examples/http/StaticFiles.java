package io.jring.examples.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Maps request paths to files under a root directory, and refuses every way out of it: a
 * {@code ..} segment, plain or percent-encoded ({@code %2e%2e}), is a 403; the path is rebuilt
 * segment by segment, so {@code //etc/passwd} stays under the root; and the final file's real
 * path (symlinks followed) must still be under the root's real path, or it is a 403 too.
 *
 * <p>The lookups here (exists, realpath, size) are metadata calls on the loop thread; the
 * file's bytes never are: {@link #open} opens it through the runtime (OPENAT on io_uring, the
 * blocking pool on epoll) and the writer sends it with {@code Connection.sendFile}.
 */
final class StaticFiles {
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"), Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json"), Map.entry("xml", "application/xml"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"), Map.entry("wasm", "application/wasm"),
            Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"));

    private final Path root;
    private volatile io.jring.IoRuntime runtime;

    /** Where a path led: a file to send, or the status that refuses it. */
    sealed interface Lookup {}

    record Found(Path file, long size, String contentType) implements Lookup {}

    record Refused(int status, String why) implements Lookup {}

    StaticFiles(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("--root " + root + " is not a directory");
        }
        this.root = root.toRealPath();
    }

    Path root() {
        return root;
    }

    /** The runtime whose loops open the files (set once it is open, before any request). */
    void attach(io.jring.IoRuntime runtime) {
        this.runtime = runtime;
    }

    /** Opens a file {@link #find} found, for reading, without blocking the calling loop. */
    java.util.concurrent.CompletableFuture<io.jring.AsyncFile> open(Path file) {
        return runtime.openFile(file);
    }

    Lookup find(String encodedPath) throws IOException {
        String path;
        try {
            path = percentDecode(encodedPath);
        } catch (IllegalArgumentException e) {
            return new Refused(400, e.getMessage());
        }
        Path candidate = root;
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..") || segment.indexOf('\\') >= 0 || segment.indexOf('\0') >= 0) {
                return new Refused(403, "path traversal refused");
            }
            if (segment.startsWith(".")) {
                return new Refused(404, null); // hidden files (.git, .env) are not published
            }
            candidate = candidate.resolve(segment);
        }
        if (!Files.exists(candidate)) {
            return new Refused(404, null);
        }
        Path real = candidate.toRealPath();
        if (Files.isDirectory(real)) {
            Path index = real.resolve("index.html");
            if (!Files.exists(index)) {
                return new Refused(404, null);
            }
            real = index.toRealPath();
        }
        if (!real.startsWith(root)) {
            return new Refused(403, "path leads outside the root");
        }
        if (!Files.isRegularFile(real)) {
            return new Refused(404, null);
        }
        if (!Files.isReadable(real)) {
            return new Refused(403, "file not readable");
        }
        return new Found(real, Files.size(real), contentType(real));
    }

    static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }

    /** RFC 3986 percent-decoding to UTF-8; a stray '%' or invalid UTF-8 is refused, not guessed at. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("bad percent-encoding in path");
            }
            bytes.write(hi * 16 + lo);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("path is not UTF-8");
        }
    }
}
