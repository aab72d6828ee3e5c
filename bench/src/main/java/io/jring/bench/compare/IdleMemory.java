package io.jring.bench.compare;

import java.io.IOException;

/**
 * Memory per idle connection: a freshly started server is warmed briefly, measured, given
 * {@code N} connections that each make one request and then stay open doing nothing, and
 * measured again.
 *
 * <p>For a JVM, RSS alone would mostly show heap pages touched for the first time, so every
 * Java server runs with a fixed, pre-touched heap ({@code -Xms=-Xmx}, {@code -XX:+AlwaysPreTouch}):
 * its RSS then grows only with native memory (buffers, rings, metaspace, thread stacks), and the
 * Java objects are counted separately as the live heap after a full GC (the server runs
 * {@code System.gc()} and reads its heap's used bytes when asked, as {@code jcmd GC.run} and
 * {@code GC.heap_info} would). The per-connection figure is the sum of the two.
 */
final class IdleMemory {
    record Result(String server, int conns, int open, long rssBeforeKib, long rssAfterKib, long heapBeforeKib,
                  long heapAfterKib, String failure) {
        boolean ok() {
            return failure == null && open > 0;
        }

        double rssBytesPerConnection() {
            return ok() ? (rssAfterKib - rssBeforeKib) * 1024.0 / open : Double.NaN;
        }

        double heapBytesPerConnection() {
            return ok() && heapBeforeKib >= 0 ? (heapAfterKib - heapBeforeKib) * 1024.0 / open : Double.NaN;
        }

        double totalBytesPerConnection() {
            double heap = heapBytesPerConnection();
            return rssBytesPerConnection() + (Double.isNaN(heap) ? 0 : heap);
        }
    }

    private final LoadGen gen;

    IdleMemory(LoadGen gen) {
        this.gen = gen;
    }

    Result measure(Server server, int conns) {
        String name = server.spec.name();
        boolean java = server.spec.kind() == Server.Kind.JAVA;
        boolean http = !server.spec.echo();
        Options.Workload w = Options.Workload.parse(http ? "http" : "echo");
        try {
            LoadGen.Run warm = gen.measure(server, w, 100, 0, 0.1, 0.6);
            if (!warm.ok()) {
                return fail(name, conns, "warm-up failed: " + warm.failure());
            }
            pause(600); // let the JIT and the allocator settle after the warm-up before the baseline
            long heapBefore = java ? server.liveHeapKib() : -1;
            pause(100);
            long rssBefore = Proc.rssKib(server.pid());
            try (LoadGen.Idle idle = gen.new Idle(server.port(w), http, conns)) {
                pause(500); // every connection has had its answer: let the server settle
                long heapAfter = java ? server.liveHeapKib() : -1;
                pause(100);
                long rssAfter = Proc.rssKib(server.pid());
                if (!server.process.isAlive()) {
                    return fail(name, conns, "server died: " + server.tail());
                }
                String failure = idle.ready < conns ? "only " + idle.ready + " of " + conns + " connections served" : null;
                return new Result(name, conns, idle.ready, rssBefore, rssAfter, heapBefore, heapAfter, failure);
            }
        } catch (IOException e) {
            return fail(name, conns, e.getMessage());
        }
    }

    private static Result fail(String name, int conns, String why) {
        return new Result(name, conns, 0, -1, -1, -1, -1, why);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
