package io.jring.bench.server;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Embedded Tomcat 11 with its NIO.2 connector, http only, on the NIO.2 provider named: what
 * switching the provider buys an application nobody wrote for jring. One handler thread
 * (maxThreads=1; the NIO.2 connector has no poller, and its acceptor is an async accept), and
 * the provider's I/O thread: jring's one loop (the JVM sees one CPU), or the JDK's one internal
 * epoll thread. Keep-alive is unlimited, as for the other servers (Tomcat's default closes a
 * connection after 100 requests).
 */
final class TomcatServer {
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private static final class Hello extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            // The load generator wants every answer byte for byte the same; Tomcat adds a Date
            // header of the current second unless the application sets one.
            response.setHeader("Date", "Mon, 01 Jan 2024 00:00:00 GMT");
            response.setContentType("text/plain");
            response.setContentLength(HELLO.length);
            response.getOutputStream().write(HELLO);
        }
    }

    /** {@code provider}: the class the JDK's lookup instantiates; set before any channel exists. */
    static AutoCloseable start(String provider, String host, int httpPort) throws Exception {
        System.setProperty("java.nio.channels.spi.AsynchronousChannelProvider", provider);
        TOMCAT_LOG.setLevel(Level.WARNING);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("bench-tomcat").toString());
        Connector connector = new Connector("org.apache.coyote.http11.Http11Nio2Protocol");
        connector.setPort(httpPort);
        connector.setProperty("address", host);
        connector.setProperty("maxThreads", "1");
        connector.setProperty("minSpareThreads", "1");
        connector.setProperty("maxKeepAliveRequests", "-1");
        connector.setProperty("acceptCount", "4096");
        connector.setProperty("maxConnections", "20000");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "hello", new Hello());
        context.addServletMappingDecoded("/", "hello");
        tomcat.start();
        if (!connector.getState().isAvailable()) {
            throw new IOException("Tomcat's connector did not start on " + host + ":" + httpPort);
        }
        return () -> {
            tomcat.stop();
            tomcat.destroy();
        };
    }

    private TomcatServer() {}
}
