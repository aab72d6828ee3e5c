package io.jring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A seeded random attack on ownership and completion: streams of checked bytes over jring and
 * plain-socket connections, sent and received through every API form, while a random schedule
 * cancels operations (at once, from other threads, from inside completion stages), sets
 * deadlines that expire, closes and resets connections mid-stream, shuts down output, and
 * misuses buffers. Afterwards every byte received must be the sender's stream at its offset
 * (up to the first send that did not succeed), every future must have completed exactly once,
 * every pooled buffer must be back, and the loops must still serve.
 *
 * <p>Each failure names its seed; {@code -Djring.chaos.seed=N} runs that seed alone (the model
 * and the schedule are the seed's; thread timing is the machine's).
 */
public abstract class ChaosContract extends RuntimeTestBase {
    private static final long[] SEEDS = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233};

    @Test
    void randomCancelsTimeoutsClosesAndMisuseLoseNoByteAndLeaveNoOperationBehind() throws Exception {
        List<String> failures = new ArrayList<>();
        for (long seed : seeds()) {
            failures.addAll(runSeed(seed));
        }
        assertTrue(failures.isEmpty(), () -> "chaos found " + failures.size() + " problem(s); replay one with"
                + " -Djring.chaos.seed=N:\n  " + String.join("\n  ", failures));
    }

    /** The fixed seeds; or -Djring.chaos.seed=N for one; or -Djring.chaos.seeds=FROM-TO for a soak. */
    private static long[] seeds() {
        String one = System.getProperty("jring.chaos.seed", "").trim();
        if (!one.isEmpty()) {
            return new long[] {Long.parseLong(one)};
        }
        String range = System.getProperty("jring.chaos.seeds", "").trim();
        if (!range.isEmpty()) {
            String[] ends = range.split("-", 2);
            return java.util.stream.LongStream.rangeClosed(Long.parseLong(ends[0]), Long.parseLong(ends[1])).toArray();
        }
        return SEEDS;
    }

    private List<String> runSeed(long seed) throws Exception {
        IoRuntime runtime = open(2);
        int baseline = idleBaseline(runtime);
        ChaosScenario scenario;
        try (ChaosRun run = new ChaosRun(seed)) {
            scenario = new ChaosScenario(run, runtime);
            scenario.execute();
            List<String> problems = new ArrayList<>(run.problems());
            if (!problems.isEmpty()) {
                return problems; // the runtime's state is suspect: the checks below would only repeat it
            }
        }
        String seedTag = " [seed " + seed + "]";
        try {
            assertBuffersBackTo(runtime, baseline);
        } catch (AssertionError e) {
            return List.of(e.getMessage() + " after every connection closed" + seedTag);
        }
        for (Thread loop : runtime.threadsForTesting()) {
            if (!loop.isAlive()) {
                return List.of("loop thread " + loop.getName() + " died" + seedTag);
            }
        }
        String echoed = finalEcho(runtime);
        if (echoed != null) {
            return List.of(echoed + seedTag);
        }
        System.out.println("chaos on " + backend() + ": " + scenario.summary());
        runtime.close(); // frees its loops before the next seed (closing again after the test is harmless)
        return List.of();
    }

    /** The loops still serve: a few fresh connections (spread over the loops) echo through the runtime. */
    private static String finalEcho(IoRuntime runtime) throws Exception {
        EchoService echo = EchoService.start(runtime);
        for (int i = 0; i < 2 * runtime.threads(); i++) {
            Connection client = Await.get(runtime.connect(echo.address()));
            byte[] message = ("still serving " + i).getBytes(StandardCharsets.UTF_8);
            Await.get(client.send(message));
            byte[] back = Await.get(ApiIo.readExactly(client, message.length));
            Await.get(client.close());
            if (!java.util.Arrays.equals(message, back)) {
                return "final echo returned " + new String(back, StandardCharsets.UTF_8);
            }
        }
        Await.get(echo.listener.close());
        return null;
    }
}
