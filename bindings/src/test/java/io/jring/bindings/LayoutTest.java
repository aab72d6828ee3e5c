package io.jring.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every hand-written layout and constant against the C headers: it writes a C program
 * from the Java layouts themselves (target/layout-probe/probe.c), compiles it with gcc, runs it
 * and compares what C says with what Java says. Adding a member or a constant to the bindings
 * adds it to the check; nothing here lists offsets by hand.
 */
class LayoutTest {
    private static final Path DIR = Path.of("target", "layout-probe");
    private static final String INSTALL = "install them with: apt-get install gcc liburing-dev";
    private static final List<Class<?>> CONSTANT_CLASSES =
            List.of(IoUringConstants.class, Linux.class, Errno.class);
    private static final List<String> HEADERS = List.of(
            "liburing.h", // pulls liburing/io_uring.h
            "linux/time_types.h", // __kernel_timespec; liburing.h includes it too, and it has a guard
            "sys/epoll.h", "sys/socket.h", "sys/un.h", "netinet/in.h", "netinet/tcp.h", "sys/uio.h",
            "sys/eventfd.h", "sys/resource.h", "sys/mman.h", "errno.h", "stddef.h", "stdio.h");
    private static final Pattern UNDECLARED = Pattern.compile("'([A-Za-z_][A-Za-z0-9_]*)' undeclared");

    /** One value to check: its key in the probe's output, the C expression, the Java value. */
    private record Check(String key, String cExpression, long javaValue, boolean isInt) {
        boolean isConstant() {
            return key.startsWith("const:");
        }
    }

    private static List<Check> checks;
    /** Probe output: key to value, or null for a constant the headers lack. */
    private static Map<String, Long> probed;
    private static Set<String> absent;

    @BeforeAll
    static void runProbe() throws Exception {
        checks = new ArrayList<>(layoutChecks());
        checks.addAll(constantChecks());
        Files.createDirectories(DIR);

        // First try with every constant plain. A macro the 2.3 headers lack shows up as
        // "'NAME' undeclared"; those, and only those, are then wrapped in #ifdef.
        absent = new TreeSet<>();
        String errors = compile(absent);
        if (errors != null) {
            Matcher m = UNDECLARED.matcher(errors);
            while (m.find()) absent.add(m.group(1));
            Set<String> enums = new TreeSet<>(absent);
            enums.removeIf(n -> !n.startsWith("IORING_OP_"));
            if (!enums.isEmpty()) {
                fail("opcodes missing from the liburing headers (they are enum constants and must exist): "
                        + enums + "\n" + errors);
            }
            if (absent.isEmpty()) fail("gcc could not compile " + DIR.resolve("probe.c") + ":\n" + errors);
            String again = compile(absent);
            if (again != null) fail("gcc could not compile " + DIR.resolve("probe.c") + ":\n" + again);
        }
        probed = parse(run(List.of(DIR.resolve("probe").toAbsolutePath().toString())));
        if (!absent.isEmpty()) {
            System.out.println("LayoutTest: absent from headers (not checked): " + absent);
        }
    }

    @Test
    void layoutsMatchTheHeaders() {
        assertNoMismatch(checks.stream().filter(c -> !c.isConstant()).toList());
    }

    @Test
    void constantsMatchTheHeaders() {
        List<Check> constants = checks.stream().filter(Check::isConstant).toList();
        assertTrue(constants.size() > 100, "expected well over 100 constants, found " + constants.size());
        assertNoMismatch(constants);
    }

    /** The sizes of this machine (x86-64, liburing 2.3), as the runtime's comments state them. */
    @Test
    void knownSizesOfThisMachine() {
        assertEquals(216, LibUringLayouts.RING.byteSize(), "struct io_uring");
        assertEquals(64, IoUringAbi.SQE.byteSize(), "struct io_uring_sqe");
        assertEquals(16, IoUringAbi.CQE.byteSize(), "struct io_uring_cqe");
        assertEquals(120, IoUringAbi.PARAMS.byteSize(), "struct io_uring_params");
        assertEquals(16, SocketLayouts.SOCKADDR_IN.byteSize(), "struct sockaddr_in");
        assertEquals(110, SocketLayouts.SOCKADDR_UN.byteSize(), "struct sockaddr_un");
        boolean x86 = Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        assertEquals(x86 ? 12 : 16, SocketLayouts.EPOLL_EVENT.byteSize(), "struct epoll_event");
        // And gcc agrees.
        assertEquals(216L, probed.get("size:io_uring"));
        assertEquals(64L, probed.get("size:io_uring_sqe"));
        assertEquals(16L, probed.get("size:io_uring_cqe"));
        assertEquals(120L, probed.get("size:io_uring_params"));
        assertEquals(16L, probed.get("size:sockaddr_in"));
        assertEquals(110L, probed.get("size:sockaddr_un"));
        assertEquals(x86 ? 12L : 16L, probed.get("size:epoll_event"));
    }

    private static void assertNoMismatch(List<Check> subset) {
        List<String> mismatches = new ArrayList<>();
        for (Check c : subset) {
            if (!probed.containsKey(c.key())) {
                mismatches.add(c.key() + ": missing from the probe's output");
                continue;
            }
            Long value = probed.get(c.key());
            if (value == null) continue; // absent from headers, reported in runProbe
            // An int flag like EPOLLET is 1u << 31 in C and negative in Java: same bits.
            boolean same = value == c.javaValue()
                    || (c.isInt() && value == Integer.toUnsignedLong((int) c.javaValue()));
            if (!same) mismatches.add(c.key() + ": C " + value + ", Java " + c.javaValue());
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " mismatch(es) between the bindings and the C headers (see "
                    + DIR.resolve("probe.c") + "):\n  " + String.join("\n  ", mismatches));
        }
    }

    private static List<Check> layoutChecks() {
        List<Check> out = new ArrayList<>();
        for (StructLayout layout : LayoutMembers.ALL) {
            String tag = LayoutMembers.tag(layout);
            out.add(new Check("size:" + tag, "sizeof(struct " + tag + ")", layout.byteSize(), false));
            for (LayoutMembers.Member m : LayoutMembers.of(layout)) {
                out.add(new Check("offset:" + tag + "." + m.path(),
                        "offsetof(struct " + tag + ", " + m.path() + ")", m.offset(), false));
                out.add(new Check("msize:" + tag + "." + m.path(),
                        "sizeof(((struct " + tag + " *) 0)->" + m.path() + ")", m.size(), false));
            }
        }
        return out;
    }

    private static List<Check> constantChecks() throws IllegalAccessException {
        List<Check> out = new ArrayList<>();
        for (Class<?> type : CONSTANT_CLASSES) {
            for (Field f : type.getFields()) {
                int mods = f.getModifiers();
                boolean constant = Modifier.isStatic(mods) && Modifier.isFinal(mods);
                if (!constant || (f.getType() != int.class && f.getType() != long.class)) continue;
                long value = f.getType() == int.class ? f.getInt(null) : f.getLong(null);
                out.add(new Check("const:" + f.getName(), f.getName(), value, f.getType() == int.class));
            }
        }
        return out;
    }

    /** Writes probe.c and compiles it; returns gcc's errors, or null when it compiled. */
    private static String compile(Set<String> absentNames) throws Exception {
        Files.writeString(DIR.resolve("probe.c"), source(absentNames));
        List<String> gcc = List.of("gcc", "-std=gnu11", "-Wall", "-o",
                DIR.resolve("probe").toAbsolutePath().toString(), DIR.resolve("probe.c").toAbsolutePath().toString());
        Process p;
        try {
            p = start(gcc);
        } catch (IOException e) {
            fail("gcc not found on PATH (" + e.getMessage() + "); LayoutTest needs gcc and the liburing headers: "
                    + INSTALL);
            throw new AssertionError(e);
        }
        String output = finish(p, gcc);
        if (p.exitValue() == 0) return null;
        if (output.contains("No such file or directory")) {
            fail("a C header is missing; " + INSTALL + "\n" + output);
        }
        return output;
    }

    private static String source(Set<String> absentNames) {
        StringBuilder c = new StringBuilder("""
                /* Generated by io.jring.bindings.LayoutTest from the Java layouts and constants.
                 * Each line printed is "key value" (or "key absent"); the test compares them. */
                """);
        for (String h : HEADERS) c.append("#include <").append(h).append(">\n");
        c.append("""

                #define P(key, value) printf("%s %lld\\n", key, (long long) (value))

                int main(void) {
                """);
        boolean inConstants = false;
        for (Check check : checks) {
            String name = check.key().substring(check.key().indexOf(':') + 1);
            if (check.key().startsWith("size:")) {
                c.append("\n    /* struct ").append(name).append(" */\n");
            } else if (check.isConstant() && !inConstants) {
                inConstants = true;
                c.append("\n    /* constants of IoUringConstants, Linux and Errno */\n");
            }
            String line = "    P(\"" + check.key() + "\", " + check.cExpression() + ");\n";
            if (check.isConstant() && absentNames.contains(name)) {
                // Not in these headers (a newer kernel's macro): say so instead of checking it.
                c.append("#ifdef ").append(name).append('\n').append(line).append("#else\n")
                        .append("    printf(\"%s absent\\n\", \"").append(check.key()).append("\");\n#endif\n");
            } else {
                c.append(line);
            }
        }
        return c.append("    return 0;\n}\n").toString();
    }

    private static Map<String, Long> parse(String output) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) continue;
            String[] kv = line.trim().split(" ");
            values.put(kv[0], kv[1].equals("absent") ? null : Long.parseLong(kv[1]));
        }
        return values;
    }

    private static String run(List<String> command) throws Exception {
        Process p = start(command);
        String output = finish(p, command);
        assertEquals(0, p.exitValue(), () -> command + " failed:\n" + output);
        return output;
    }

    /** Output goes to a file so a hung process cannot block us past the timeout below. */
    private static Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(DIR.resolve("output.txt").toFile());
        pb.environment().put("LC_ALL", "C"); // plain quotes in gcc's messages, for UNDECLARED
        return pb.start();
    }

    private static String finish(Process p, List<String> command) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(command + " did not finish within 60 s");
        }
        return Files.readString(DIR.resolve("output.txt"), StandardCharsets.UTF_8);
    }
}
