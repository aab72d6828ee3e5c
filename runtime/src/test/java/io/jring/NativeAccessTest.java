package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.bindings.NativeAccess;
import io.jring.nativeaccess.OpenRuntimeMain;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Native access as users meet it, in child JVMs: denied ({@code --illegal-native-access=deny}
 * without the grant), {@code IoRuntime.open()} throws an IllegalCallerException naming the exact
 * flag for the way the program was launched; granted to {@code io.jring.bindings} alone on the
 * module path, the runtime opens under deny, which proves that no other jring module calls a
 * restricted method (the io_uring driver, the ring mapping and the buffer slabs included) and
 * that the io_uring driver is found through the module's {@code provides}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NativeAccessTest {
    private static final Pattern CALLER_MODULE = Pattern.compile("has been called by \\S+ in (module \\S+|an unnamed module)");

    @Test
    void deniedOnTheClassPathNamesAllUnnamed() throws Exception {
        Child child = run(List.of("--illegal-native-access=deny", "-cp", System.getProperty("java.class.path")));
        assertTrue(child.out.startsWith("refused: "), child::describe);
        assertTrue(child.out.contains("add --enable-native-access=ALL-UNNAMED to the java command line"), child::describe);
        assertTrue(child.out.contains("the class path"), child::describe);
    }

    @Test
    void deniedOnTheModulePathNamesTheBindingsModule() throws Exception {
        Child child = run(modulePath("--illegal-native-access=deny"));
        assertTrue(child.out.startsWith("refused: "), child::describe);
        assertTrue(child.out.contains("add --enable-native-access=io.jring.bindings to the java command line"), child::describe);
    }

    @Test
    void grantingTheBindingsModuleAloneIsEnoughOnTheModulePath() throws Exception {
        String here = openHere();
        Child child = run(modulePath("--illegal-native-access=deny", "--enable-native-access=io.jring.bindings"));
        if (here.equals("opened backend=" + Backend.IO_URING)) {
            assertEquals(here, child.out, child::describe);
        } else {
            // No io_uring on this machine: the child got as far as looking for the epoll driver,
            // which this module path (the runtime's own) does not have.
            assertTrue(child.out.startsWith("failed: no " + Backend.EPOLL + " driver"), () -> "here: " + here + "\n" + child.describe());
        }
        assertFalse(child.err.contains("restricted method"), child::describe);
    }

    /** Without a grant the JDK warns (its default): only about the bindings module. */
    @Test
    void theWarningWithoutAGrantNamesOnlyTheBindingsModule() throws Exception {
        Child child = run(modulePath("--illegal-native-access=warn"));
        assertFalse(child.out.startsWith("refused: "), child::describe);
        Matcher callers = CALLER_MODULE.matcher(child.err);
        int warnings = 0;
        while (callers.find()) {
            assertEquals("module io.jring.bindings", callers.group(1), child::describe);
            warnings++;
        }
        assertTrue(warnings > 0, child::describe);
        assertTrue(child.err.contains("--enable-native-access=io.jring.bindings"), child::describe);
    }

    /** How this JVM fares (its class path has no epoll driver either): the child's expected line. */
    private static String openHere() {
        try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withRequireUring(false))) {
            return "opened backend=" + runtime.backend();
        } catch (IOException | RuntimeException e) {
            return "failed: " + e.getMessage();
        }
    }

    /** The runtime and bindings as named modules, the child main on the class path. */
    private static List<String> modulePath(String... options) {
        List<String> command = new ArrayList<>(List.of(options));
        command.addAll(List.of("--module-path", location(IoRuntime.class) + File.pathSeparator + location(NativeAccess.class),
                "--add-modules", "io.jring", "-cp", location(OpenRuntimeMain.class)));
        return command;
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Child(int status, String out, String err) {
        String describe() {
            return "status " + status + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private static Child run(List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC"));
        command.addAll(options);
        command.add(OpenRuntimeMain.class.getName());
        Path err = Files.createTempFile("jring-native-access-", ".stderr");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
            builder.environment().remove("JRING_REQUIRE_URING"); // the child may fall back, like openHere()
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child did not exit");
            return new Child(process.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
