package io.jring;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class from the test classes, with the same java binary. Its
 * classpath is just where {@code mainClass} was loaded from (test-classes or the test-jar):
 * the child mains use only the JDK.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BufferedReader stdout;
    private final Writer stdin;
    private final Path stderr;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath;
        try {
            classpath = Path.of(mainClass.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-Xss256k",
                "-cp", classpath, mainClass.getName()));
        command.addAll(List.of(args));
        File err = File.createTempFile("jring-child-", ".stderr");
        err.deleteOnExit();
        Process process = new ProcessBuilder(command).redirectError(err).start();
        return new ChildJvm(process, err.toPath());
    }

    /**
     * A child JVM with this JVM's whole classpath (the runtime, and the epoll driver where the
     * test has it), started through {@code launcher}, e.g. {@code prlimit --nofile=256:256 --}.
     */
    static ChildJvm startUnder(List<String> launcher, Class<?> mainClass, String... args) throws IOException {
        return startUnder(launcher, List.of(), mainClass, args);
    }

    /** {@link #startUnder(List, Class, String...)} with {@code jvmOptions} too, e.g. {@code --limit-modules}. */
    static ChildJvm startUnder(List<String> launcher, List<String> jvmOptions, Class<?> mainClass, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        File err = File.createTempFile("jring-child-", ".stderr");
        err.deleteOnExit();
        Process process = new ProcessBuilder(command).redirectError(err).start();
        return new ChildJvm(process, err.toPath());
    }

    /** The next stdout line, or null at end; the caller bounds the time with the test's @Timeout. */
    String readLine() throws IOException {
        return stdout.readLine();
    }

    void writeLine(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    String stderr() {
        try {
            return java.nio.file.Files.readString(stderr);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
