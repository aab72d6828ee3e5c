package io.jring.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Compares the hand-written layouts with jextract's reading of the same headers. Runs only in
 * the {@code -Pjextract} profile, which runs jextract into target/jextract and sets
 * {@code jring.jextract.dir}; the default build excludes this class in surefire.
 *
 * <p>jextract (22 and later) generates one class per struct, named after the struct tag, with
 * {@code public static final GroupLayout layout()}; older releases named it {@code $LAYOUT()}.
 * Anonymous unions appear as members named {@code $anon$LINE:COL}, which {@link LayoutMembers}
 * sees through the way C does.
 */
@EnabledIfSystemProperty(named = "jring.jextract.dir", matches = ".+")
class JextractCrossCheckTest {
    private static final String PACKAGE = "io.jring.jextracted";

    @Test
    void handWrittenLayoutsMatchJextract() throws Exception {
        Path sources = Path.of(System.getProperty("jring.jextract.dir"));
        List<String> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        assertFalse(files.isEmpty(), "no .java files under " + sources + "; did jextract run?");

        Path classes = sources.resolveSibling("jextract-classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler: run the tests on a JDK, not a JRE");
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-proc:none", "-nowarn",
                "-Xlint:none", "-encoding", "UTF-8"));
        args.addAll(files);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertEquals(0, rc, () -> "javac failed on jextract's output:\n" + errors.toString(StandardCharsets.UTF_8));

        List<String> mismatches = new ArrayList<>();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            for (StructLayout ours : LayoutMembers.ALL) {
                compare(ours, jextractLayout(loader, LayoutMembers.tag(ours)), mismatches);
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " mismatch(es) between the bindings and jextract:\n  "
                    + String.join("\n  ", mismatches));
        }
    }

    private static void compare(StructLayout ours, GroupLayout theirs, List<String> mismatches) {
        String tag = LayoutMembers.tag(ours);
        if (ours.byteSize() != theirs.byteSize()) {
            mismatches.add("sizeof " + tag + ": jextract " + theirs.byteSize() + ", Java " + ours.byteSize());
        }
        Map<String, LayoutMembers.Member> byPath = LayoutMembers.of(theirs).stream()
                .collect(Collectors.toMap(LayoutMembers.Member::path, Function.identity(), (a, b) -> a));
        for (LayoutMembers.Member m : LayoutMembers.of(ours)) {
            LayoutMembers.Member t = byPath.get(m.path());
            if (t == null) {
                mismatches.add(tag + "." + m.path() + ": no such member in jextract's layout, which has "
                        + byPath.keySet());
            } else if (t.offset() != m.offset() || t.size() != m.size()) {
                mismatches.add(tag + "." + m.path() + ": jextract offset " + t.offset() + " size " + t.size()
                        + ", Java offset " + m.offset() + " size " + m.size());
            }
        }
    }

    private static GroupLayout jextractLayout(ClassLoader loader, String tag) throws Exception {
        Class<?> type;
        try {
            type = Class.forName(PACKAGE + "." + tag, true, loader);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("jextract generated no class for struct " + tag, e);
        }
        for (String name : List.of("layout", "$LAYOUT")) {
            try {
                Method m = type.getMethod(name);
                return (GroupLayout) m.invoke(null);
            } catch (NoSuchMethodException e) {
                // try the older name
            }
        }
        throw new AssertionError(type + " has neither layout() nor $LAYOUT()");
    }
}
