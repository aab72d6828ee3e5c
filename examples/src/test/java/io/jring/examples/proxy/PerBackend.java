package io.jring.examples.proxy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Processes a test class shares between its tests, one set per backend, started on first use
 * and stopped when the class is done.
 */
final class PerBackend<T extends AutoCloseable> implements AutoCloseable {
    interface Starter<T> {
        T start(String backend) throws Exception;
    }

    private final Starter<T> starter;
    private final Map<String, T> started = new LinkedHashMap<>();

    PerBackend(Starter<T> starter) {
        this.starter = starter;
    }

    T get(String backend) throws Exception {
        T running = started.get(backend);
        if (running == null) {
            running = starter.start(backend);
            started.put(backend, running);
        }
        return running;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (T running : started.values()) {
            try {
                running.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        started.clear();
        if (first != null) {
            throw first;
        }
    }
}
