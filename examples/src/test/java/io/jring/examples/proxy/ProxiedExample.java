package io.jring.examples.proxy;

/** An example server and a proxy in front of it, each its own process, both on one backend. */
record ProxiedExample(RunningExample upstream, RunningExample proxy) implements AutoCloseable {
    static ProxiedExample start(String mainClass, String backend) throws Exception {
        RunningExample upstream = RunningExample.start(mainClass, backend);
        try {
            return new ProxiedExample(upstream, RunningExample.proxy(backend, upstream.port()));
        } catch (Exception | AssertionError e) {
            upstream.close();
            throw e;
        }
    }

    /** The port clients connect to: the proxy's. */
    int port() {
        return proxy.port();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            proxy.close();
        } finally {
            upstream.close();
        }
    }
}
