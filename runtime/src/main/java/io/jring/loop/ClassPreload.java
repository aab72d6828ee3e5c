package io.jring.loop;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads every jring class of a module up front, when a runtime opens. A class loaded for the
 * first time needs a file descriptor to read its class file (from a class-path directory, or a
 * jar the loader has not opened yet), and a server is most likely to touch code for the first
 * time exactly when it has none left: the first connection accepted under EMFILE, the first
 * back-off, the first leak record. Without this, such a moment fails with NoClassDefFoundError
 * instead of being handled. Costs a few milliseconds once per module per process.
 */
public final class ClassPreload {
    private static final java.util.Set<String> DONE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ClassPreload() {}

    /** Loads (without initialising) every {@code io.jring} class from where {@code anchor} came from. */
    public static void moduleOf(Class<?> anchor) {
        CodeSource source = anchor.getProtectionDomain().getCodeSource();
        if (source == null || !DONE.add(source.getLocation().toString())) {
            return;
        }
        ClassLoader loader = anchor.getClassLoader();
        for (String name : classNames(source)) {
            try {
                Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // Not loadable here (an optional dependency missing): it will not be needed either.
            }
        }
    }

    private static List<String> classNames(CodeSource source) {
        List<String> names = new ArrayList<>();
        try {
            Path location = Path.of(source.getLocation().toURI());
            if (Files.isDirectory(location)) {
                Path root = location.resolve("io").resolve("jring");
                if (Files.isDirectory(root)) {
                    try (Stream<Path> files = Files.walk(root)) {
                        files.filter(f -> f.toString().endsWith(".class")).forEach(f ->
                                names.add(className(location.relativize(f).toString())));
                    }
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                        if (entry.getName().startsWith("io/jring/") && entry.getName().endsWith(".class")) {
                            names.add(className(entry.getName()));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // Best effort: without the list, classes load lazily as before.
        }
        return names;
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.').replace('\\', '.');
    }
}
