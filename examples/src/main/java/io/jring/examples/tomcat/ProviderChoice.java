package io.jring.examples.tomcat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Which {@code AsynchronousChannelProvider} the JVM uses, chosen the one way the JDK reads
 * before anything else: the system property {@code java.nio.channels.spi.AsynchronousChannelProvider},
 * set before the first asynchronous channel or group exists. It wins over the jring-nio2 jar's
 * META-INF/services entry, so {@code jdk} really is the JDK's provider with jring's jar present.
 */
enum ProviderChoice {
    JRING("io.jring.nio2.JringAsynchronousChannelProvider"),
    /** The JDK's own provider on Linux (epoll, in java.base): what runs without any provider named. */
    JDK("sun.nio.ch.LinuxAsynchronousChannelProvider");

    static final String PROPERTY = "java.nio.channels.spi.AsynchronousChannelProvider";

    final String className;

    ProviderChoice(String className) {
        this.className = className;
    }

    static ProviderChoice parse(String name) {
        return switch (name) {
            case "jring" -> JRING;
            case "jdk" -> JDK;
            default -> throw new IllegalArgumentException("--provider is jring or jdk, got '" + name + "'");
        };
    }

    /** Makes this the JVM's provider; must run before anything opens an asynchronous channel. */
    void install() {
        System.setProperty(PROPERTY, className);
    }

    /**
     * The backend this process really runs on, seen from outside the provider: an io_uring
     * instance among its file descriptors means io_uring (the JDK's provider never opens one),
     * else epoll, which both providers use otherwise.
     */
    static String observedBackend() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            boolean uring = fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]");
                } catch (IOException gone) {
                    return false; // closed meanwhile (the listing's own descriptor, say)
                }
            });
            return uring ? "io_uring" : "epoll";
        }
    }
}
