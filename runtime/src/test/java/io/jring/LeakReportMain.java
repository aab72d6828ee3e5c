package io.jring;

import java.net.InetSocketAddress;

/**
 * Child of {@link LeakReportTest}: drops one buffer without releasing it and keeps another
 * past {@code IoRuntime.close()}, from methods whose names the reports must show. It also
 * records the jring.BufferLeak JFR event meanwhile and dumps the recording to {@code args[1]}.
 */
public final class LeakReportMain {
    public static void main(String[] args) throws Exception {
        Backend backend = Backend.valueOf(args[0]);
        jdk.jfr.Recording recording = new jdk.jfr.Recording();
        recording.enable("jring.BufferLeak");
        recording.start();
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(backend));
        Listener listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
        listener.accept();
        Connection client = runtime.connect(listener.localAddress()).get();
        dropWithoutRelease(client);
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
        }
        recording.stop(); // the leak tracker commits its event before it logs the LEAK line
        recording.dump(java.nio.file.Path.of(args[1]));
        recording.close();
        IoBuffer kept = keepPastClose(client);
        runtime.close();
        try {
            kept.write("after close");
            System.out.println("use after close: allowed");
        } catch (IllegalStateException e) {
            System.out.println("use after close: refused");
        }
        System.out.println("done");
    }

    private static void dropWithoutRelease(Connection client) {
        client.allocate().write("never released");
    }

    private static IoBuffer keepPastClose(Connection client) {
        return client.allocate().write("held at close");
    }
}
