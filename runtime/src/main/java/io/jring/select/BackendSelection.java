package io.jring.select;

import io.jring.Backend;
import io.jring.bindings.Errno;
import io.jring.uring.UringProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Chooses the backend, in this order: a forced choice (option, {@code -Djring.backend},
 * {@code JRING_BACKEND}); liburing loadable; {@code io_uring_setup} succeeding; every opcode
 * the runtime needs in the kernel's probe. It falls back to epoll only when io_uring is
 * unsupported or refused (missing library, ENOSYS, EPERM, EINVAL, EACCES, a missing opcode),
 * never to hide ENOMEM or a bug, and with {@code requireUring} not at all.
 */
public final class BackendSelection {
    private BackendSelection() {}

    /** The forced backend and where it came from, if any. */
    public record Forced(Backend backend, String source) {}

    public static Optional<Forced> forced(Optional<Backend> fromOptions) {
        if (fromOptions.isPresent()) {
            return Optional.of(new Forced(fromOptions.get(), "options"));
        }
        String property = System.getProperty("jring.backend");
        if (property != null && !property.isBlank()) {
            return Optional.of(new Forced(Backend.parse(property), "-Djring.backend=" + property));
        }
        String env = System.getenv("JRING_BACKEND");
        if (env != null && !env.isBlank()) {
            return Optional.of(new Forced(Backend.parse(env), "JRING_BACKEND=" + env));
        }
        return Optional.empty();
    }

    /**
     * @param forced       a forced backend, see {@link #forced}
     * @param requireUring fail rather than fall back
     * @param probe        the kernel probe (a seam: tests pass a probe of an older kernel)
     */
    public static BackendChoice choose(Optional<Forced> forced, boolean requireUring, Supplier<UringProbe> probe)
            throws IOException {
        if (forced.isPresent() && forced.get().backend() == Backend.EPOLL) {
            return new BackendChoice(Backend.EPOLL, Optional.of("forced by " + forced.get().source()));
        }
        UringProbe result = probe.get();
        Optional<String> refusal = refusal(result);
        if (refusal.isEmpty()) {
            return new BackendChoice(Backend.IO_URING, Optional.empty());
        }
        if (forced.isPresent()) {
            throw new IOException("io_uring was forced by " + forced.get().source() + " but cannot run: " + refusal.get());
        }
        if (requireUring) {
            throw new IOException("io_uring is required (JRING_REQUIRE_URING=1 or jring.requireUring) but cannot run: "
                    + refusal.get() + "; the epoll fallback is not allowed");
        }
        return new BackendChoice(Backend.EPOLL, refusal);
    }

    /**
     * Probes the kernel. {@code -Djring.probe.hideOps=RECV,SEND} removes opcodes from the answer,
     * so anyone (tests, {@code doctor}) can see what jring does on a kernel that lacks them.
     */
    public static UringProbe probe() {
        UringProbe probe = UringProbe.run();
        for (int opcode : UringProbe.hiddenOps()) {
            probe = probe.without(opcode);
        }
        return probe;
    }

    /** Why io_uring cannot run here, if it cannot; throws for errors that are not a refusal. */
    static Optional<String> refusal(UringProbe probe) throws IOException {
        if (!probe.library().loaded()) {
            return Optional.of(probe.library().failure() + " (install liburing2)");
        }
        int errno = probe.setupErrno();
        if (errno != 0) {
            if (errno == Errno.ENOSYS || errno == Errno.EPERM || errno == Errno.EINVAL || errno == Errno.EACCES) {
                return Optional.of("io_uring_setup: " + Errno.name(errno) + sysctlNote(errno));
            }
            throw new IOException("io_uring_setup: " + Errno.describe(errno)
                    + ": this is not a missing feature, so jring does not hide it behind epoll");
        }
        if (!probe.missingOps().isEmpty()) {
            return Optional.of("kernel lacks io_uring ops " + String.join(", ", probe.missingOps()));
        }
        if (!probe.missingFeatures().isEmpty()) {
            return Optional.of("kernel lacks io_uring features " + String.join(", ", probe.missingFeatures()));
        }
        return Optional.empty();
    }

    private static String sysctlNote(int errno) {
        if (errno != Errno.EPERM) {
            return "";
        }
        String value;
        try {
            value = Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim();
        } catch (IOException | RuntimeException e) {
            return " (seccomp or a sandbox refused it)";
        }
        return switch (value) {
            case "0" -> " (kernel.io_uring_disabled=0, so seccomp or a sandbox refused it)";
            case "1" -> " (kernel.io_uring_disabled=1: only root or kernel.io_uring_group may use it)";
            default -> " (kernel.io_uring_disabled=" + value + ")";
        };
    }
}
