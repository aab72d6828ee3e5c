package io.jring.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk as a cross-check of the http figures by a client nobody here wrote: its requests/s only
 * (its latency percentiles are wrong with pipelining, and one wrk thread saturates near 100k
 * req/s without it, so it cannot separate servers there).
 */
final class Wrk {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+([0-9]+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors:(.*)");

    record Result(String server, String workload, int conns, double rps, String failure) {}

    private final Toolchain tools;
    private final Path workDir;

    Wrk(Toolchain tools, Path workDir) {
        this.tools = tools;
        this.workDir = workDir;
    }

    Result run(Server server, Options.Workload w, int conns, double seconds) {
        String name = server.spec.name();
        try {
            List<String> cmd = new ArrayList<>(tools.pin(0));
            cmd.addAll(List.of(tools.wrk.orElseThrow().toString(), "-t1", "-c" + conns,
                    "-d" + Math.max(1, Math.round(seconds)) + "s", "--timeout", "5s"));
            if (w.depth() > 1) {
                cmd.addAll(List.of("-s", pipelineScript(w.depth()).toString()));
            }
            cmd.add("http://127.0.0.1:" + server.httpPort + "/");
            String out = Toolchain.run(cmd);
            if (out == null) {
                return new Result(name, w.name(), conns, Double.NaN, "wrk did not run");
            }
            Matcher m = RPS.matcher(out);
            if (!m.find()) {
                return new Result(name, w.name(), conns, Double.NaN, "no Requests/sec in wrk output: "
                        + Toolchain.firstLines(out, 2));
            }
            String failure = null;
            Matcher bad = NON_2XX.matcher(out);
            Matcher errors = SOCKET_ERRORS.matcher(out);
            if (bad.find()) {
                failure = bad.group(1) + " non-2xx responses";
            } else if (errors.find()) {
                failure = "socket errors:" + errors.group(1);
            }
            return new Result(name, w.name(), conns, Double.parseDouble(m.group(1)), failure);
        } catch (IOException e) {
            return new Result(name, w.name(), conns, Double.NaN, e.getMessage());
        }
    }

    private Path pipelineScript(int depth) throws IOException {
        Path script = workDir.resolve("wrk-pipeline-" + depth + ".lua");
        if (!Files.exists(script)) {
            Files.writeString(script, """
                    -- %1$d requests written back to back per batch; wrk counts every response.
                    init = function(args)
                      local r = {}
                      for i = 1, %1$d do r[i] = wrk.format("GET", "/") end
                      req = table.concat(r)
                    end
                    request = function() return req end
                    """.formatted(depth));
        }
        return script;
    }
}
