package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** curl, run as a process: a client nobody here wrote. */
final class Curl {
    private Curl() {}

    /** A response as curl saw it; header names lower-cased (the last response's, after a 100). */
    record Result(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Runs curl with {@code args} (plus -sS and a time limit); returns stdout, failing on a non-zero exit. */
    static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new AssertionError("curl is not installed (apt-get install curl): " + e.getMessage(), e);
        }
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 30 s");
        }
        assertEquals(0, process.exitValue(), command + " failed");
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** One request: {@code args} name the URL and anything else (method, data, headers). */
    static Result fetch(String... args) throws IOException, InterruptedException {
        Path headers = Files.createTempFile("curl-headers", ".txt");
        Path body = Files.createTempFile("curl-body", ".bin");
        try {
            List<String> all = new ArrayList<>(List.of("-D", headers.toString(), "-o", body.toString()));
            all.addAll(List.of(args));
            run(all.toArray(String[]::new));
            return parse(Files.readAllBytes(body), Files.readString(headers, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(headers);
            Files.deleteIfExists(body);
        }
    }

    private static Result parse(byte[] body, String dump) {
        // The dump holds every response's head in order (a 100 Continue first, say): keep the last.
        String[] heads = dump.strip().split("\r\n\r\n");
        String[] lines = heads[heads.length - 1].split("\r\n");
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            map.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        return new Result(Integer.parseInt(lines[0].split(" ")[1]), map, body);
    }
}
