package io.jring.examples.tomcat;

import io.jring.examples.Args;
import java.io.IOException;
import java.nio.channels.spi.AsynchronousChannelProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Embedded Apache Tomcat 11 with its NIO.2 connector ({@code Http11Nio2Protocol}), unchanged:
 * Tomcat opens its {@code AsynchronousChannelGroup} and channels through the JVM's provider, and
 * this example only chooses which provider that is.
 *
 * <pre>./jring example tomcat --port 8080 [--provider jring|jdk] [--backend io_uring|epoll] [--host 127.0.0.1] [--max-threads N]</pre>
 */
public final class TomcatServer {
    /** Held so the level set here is not lost with a collected logger. */
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

    public static void main(String[] argv) throws Exception {
        Args.runOrExplain("tomcat", () -> serve(argv));
    }

    private static void serve(String[] argv) throws Exception {
        Args args = Args.parse(argv, "port", "host", "provider", "backend", "max-threads");
        ProviderChoice provider = ProviderChoice.parse(args.get("provider", "jring"));
        if (args.get("backend", null) != null) {
            if (provider != ProviderChoice.JRING) {
                throw new IllegalArgumentException("--backend chooses jring's backend: use it with --provider jring");
            }
            // jring's provider opens each group's runtime with the defaults, which honour this.
            System.setProperty("jring.backend", args.get("backend", null));
        }
        provider.install();
        TOMCAT_LOG.setLevel(Level.WARNING); // Tomcat's start-up chatter; warnings and errors still show

        Path base = Files.createTempDirectory("jring-tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector("org.apache.coyote.http11.Http11Nio2Protocol");
        connector.setPort(args.getInt("port", 8080));
        connector.setProperty("address", args.get("host", "127.0.0.1"));
        if (args.get("max-threads", null) != null) {
            int threads = args.getInt("max-threads", 1);
            connector.setProperty("maxThreads", Integer.toString(threads));
            connector.setProperty("minSpareThreads", Integer.toString(threads));
        }
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "hello-echo", new HelloEchoServlet());
        context.addServletMappingDecoded("/", "hello-echo");

        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IOException("Tomcat did not start: " + e.getMessage(), e);
        }
        if (!connector.getState().isAvailable()) {
            tomcat.stop();
            tomcat.destroy();
            deleteTree(base);
            throw new IOException("Tomcat's connector did not start on " + args.get("host", "127.0.0.1") + ":"
                    + connector.getPort() + " (port in use? see the log above)");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                tomcat.stop();
                tomcat.destroy();
                deleteTree(base);
            } catch (LifecycleException | IOException e) {
                System.err.println("tomcat: stopping: " + e);
            }
            stopped.countDown();
        }));
        System.out.println("tomcat (" + connector.getProtocolHandlerClassName() + ") listening on "
                + args.get("host", "127.0.0.1") + ":" + connector.getLocalPort()
                + " backend=" + ProviderChoice.observedBackend()
                + " provider=" + AsynchronousChannelProvider.provider().getClass().getName());
        stopped.await();
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private TomcatServer() {}
}
