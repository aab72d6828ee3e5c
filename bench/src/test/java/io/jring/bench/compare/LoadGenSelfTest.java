package io.jring.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The C load generator compiles and its histogram passes its own check (no load is generated). */
class LoadGenSelfTest {
    @Test
    void histogramBucketsAndPercentiles() {
        Toolchain tools = new Toolchain(Path.of("").toAbsolutePath());
        Assumptions.assumeTrue(tools.gcc.isPresent(), "gcc is not installed");
        Toolchain.Result<Path> binary = tools.compile("loadgen");
        assertTrue(binary.ok(), binary.reason());
        String out = Toolchain.run(List.of(binary.value().toString(), "--self-test"));
        Map<String, String> f = Json.parse(out.lines().filter(l -> l.startsWith("{")).findFirst().orElse(""));
        assertEquals("ok", f.get("self_test"), out);
    }
}
