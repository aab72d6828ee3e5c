package io.jring.loop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Whether a loop thread is waiting in the kernel for work (io_uring_enter, epoll_wait), which
 * is idleness, not a stall. Java cannot tell: a thread in a native call is RUNNABLE either
 * way, and the drivers dispatch completions (so run user stages) inside the same poll call
 * that waits. Linux can: {@code /proc/self/task/TID/syscall} names the system call a thread
 * is blocked in, or says {@code running}. Read only by the watchdog, and only for a loop that
 * made no progress since its last look; the loop itself pays nothing.
 */
final class KernelWait {
    /** The loop is in its wait syscall. */
    static final int WAITING = 1;
    /** The loop is running, or blocked in anything else (a user's sleep, lock, socket read). */
    static final int BUSY = 0;
    /** This system does not say (no /proc, or a kernel without the file). */
    static final int UNKNOWN = -1;

    /** io_uring_enter and the epoll waits; the numbers differ between x86-64 and the generic table. */
    private static final Set<Long> WAIT_SYSCALLS = isX86_64()
            ? Set.of(426L, 232L, 281L, 441L)   // io_uring_enter, epoll_wait, epoll_pwait, epoll_pwait2
            : Set.of(426L, 22L, 441L);         // io_uring_enter, epoll_pwait, epoll_pwait2 (arm64, riscv64)

    private KernelWait() {}

    /** The kernel's id of the calling thread, or -1 if /proc does not say. Call on the thread itself. */
    static long currentThreadId() {
        try {
            // "/proc/thread-self" links to "PID/task/TID" (Linux 3.17+).
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@link #WAITING}, {@link #BUSY} or {@link #UNKNOWN} for the thread with kernel id {@code tid}. */
    static int state(long tid) {
        if (tid < 0) {
            return UNKNOWN;
        }
        String line;
        try {
            line = Files.readString(Path.of("/proc/self/task/" + tid + "/syscall"), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
        int end = line.indexOf(' ');
        String first = (end < 0 ? line : line.substring(0, end)).strip();
        try {
            return WAIT_SYSCALLS.contains(Long.parseLong(first)) ? WAITING : BUSY;
        } catch (NumberFormatException e) {
            return BUSY; // "running"
        }
    }

    private static boolean isX86_64() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64");
    }
}
