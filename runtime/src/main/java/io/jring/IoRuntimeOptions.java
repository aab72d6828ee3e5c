package io.jring;

import java.time.Duration;
import java.util.Optional;

/**
 * How to open a runtime. Start from {@link #defaults()} and change what you need:
 * {@code IoRuntimeOptions.defaults().withThreads(2).withBackend(Backend.EPOLL)}.
 *
 * @param threads         event loops, one thread and one ring (or epoll fd) each
 * @param backend         a forced backend, or empty to choose (system property {@code jring.backend}
 *                        and environment {@code JRING_BACKEND} force one too)
 * @param requireUring    fail instead of falling back to epoll (also {@code JRING_REQUIRE_URING=1}
 *                        or {@code -Djring.requireUring=true})
 * @param ringEntries     io_uring submission queue size per loop (the completion queue is 4x, at most 65536)
 * @param bufferSize      pooled buffer size in bytes (a power of two); also the largest single recv
 * @param buffersPerLoop  blocks per pool slab; the pool grows by a slab when it runs dry
 * @param providedBuffers blocks each io_uring loop lends to its provided-buffer ring for recv
 * @param registerBuffers register the pool with the ring as fixed buffers
 * @param multishotRecv   receive through one multishot recv per connection where the kernel has it
 * @param blockedLoopThreshold how long a callback may hold a loop thread before a WARNING with its
 *                        stack is logged; zero turns the detector off (also
 *                        {@code -Djring.blockedLoopMillis=N}; 1 s by default)
 * @param maxBufferMemory native bytes all loops' buffer pools together may map (system property
 *                        {@code jring.buffers.maxMemory}, e.g. {@code 512m}); each loop's first slab
 *                        is mapped whatever the cap, growth beyond it stops at the cap
 * @param zeroCopySendThreshold sends of at least this many bytes go out as io_uring zero-copy
 *                        sends (SEND_ZC); 0, the default, turns zero-copy off (system property
 *                        {@code jring.send.zeroCopyThreshold}). See {@link #withZeroCopySendThreshold(int)}
 */
public record IoRuntimeOptions(int threads, Optional<Backend> backend, boolean requireUring, int ringEntries,
                               int bufferSize, int buffersPerLoop, int providedBuffers, boolean registerBuffers,
                               boolean multishotRecv, Duration blockedLoopThreshold, long maxBufferMemory,
                               int zeroCopySendThreshold) {
    /**
     * 256 MiB: 16,384 blocks of the default 16 KiB, room for every loop's first slab (8 MiB each)
     * on machines up to 16 cores and still thousands of buffers held at once, yet a small share of
     * any server's memory. A fixed figure rather than a fraction of heap or RAM, because pool memory
     * is neither, and a process that hits it is holding buffers it does not use (clients that do
     * not read, sends nobody waits for): better a clear failure than the machine's memory.
     */
    public static final long DEFAULT_MAX_BUFFER_MEMORY = 256L << 20;

    /** Checks every value; the message of the {@link IllegalArgumentException} says which and why. */
    public IoRuntimeOptions {
        require(threads >= 1 && threads <= 1024, "threads must be 1..1024, got " + threads);
        // 2 at least: the ring always keeps an eventfd read armed beside the work it submits.
        require(Integer.bitCount(ringEntries) == 1 && ringEntries >= 2 && ringEntries <= 32768,
                "ringEntries must be a power of two from 2 to 32768 (the kernel's largest SQ), got " + ringEntries);
        // 4 KiB at least: a sendv keeps its msghdr and iovecs in one block (252 of them at 4 KiB).
        require(bufferSize >= 4096 && bufferSize <= (1 << 24) && Integer.bitCount(bufferSize) == 1,
                "bufferSize must be a power of two from 4096 to 16 MiB, got " + bufferSize);
        require(buffersPerLoop >= 16, "buffersPerLoop must be >= 16, got " + buffersPerLoop);
        require(Integer.bitCount(providedBuffers) == 1 && providedBuffers <= 32768 && providedBuffers < buffersPerLoop,
                "providedBuffers must be a power of two below buffersPerLoop, got " + providedBuffers);
        require(blockedLoopThreshold != null && !blockedLoopThreshold.isNegative(),
                "blockedLoopThreshold must be zero (off) or positive, got " + blockedLoopThreshold);
        require(maxBufferMemory >= bufferSize, "maxBufferMemory must be at least one buffer (" + bufferSize
                + " bytes), got " + maxBufferMemory);
        require(zeroCopySendThreshold >= 0, "zeroCopySendThreshold must be 0 (off) or a byte count, got "
                + zeroCopySendThreshold);
    }

    /**
     * The defaults: one loop per CPU, the backend jring chooses (io_uring preferred; forced by
     * {@code -Djring.backend}), io_uring required with {@code JRING_REQUIRE_URING=1}, 1024 ring
     * entries, 16 KiB buffers, 512 per loop slab, 128 provided to the kernel, buffers registered,
     * multishot recv on ({@code -Djring.recv.multishot=false} turns it off), a 1 s blocked-loop
     * threshold ({@code -Djring.blockedLoopMillis}) and 256 MiB of buffer memory
     * ({@code -Djring.buffers.maxMemory}).
     *
     * @return the default options
     */
    public static IoRuntimeOptions defaults() {
        return new IoRuntimeOptions(Runtime.getRuntime().availableProcessors(), Optional.empty(),
                requiredByEnvironment(), 1024, 16384, 512, 128, true, multishotRecvByProperty(),
                blockedLoopThresholdByProperty(), maxBufferMemoryByProperty(),
                zeroCopySendThresholdByProperty());
    }

    /**
     * These options with another number of loops.
     *
     * @param value loops (threads), 1 to 1024; each has its own ring or epoll fd
     * @return the new options
     */
    public IoRuntimeOptions withThreads(int value) {
        return new IoRuntimeOptions(value, backend, requireUring, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, multishotRecv, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * These options with the backend forced.
     *
     * @param value the backend to run, or null to let jring choose (io_uring where it works)
     * @return the new options
     */
    public IoRuntimeOptions withBackend(Backend value) {
        return new IoRuntimeOptions(threads, Optional.ofNullable(value), requireUring, ringEntries, bufferSize,
                buffersPerLoop, providedBuffers, registerBuffers, multishotRecv, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * These options with io_uring required: opening fails, naming why, instead of falling back.
     *
     * @param value whether io_uring is required
     * @return the new options
     */
    public IoRuntimeOptions withRequireUring(boolean value) {
        return new IoRuntimeOptions(threads, backend, value, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, multishotRecv, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * These options with another submission queue size (the completion queue is four times it).
     *
     * @param value a power of two from 2 to 32768
     * @return the new options
     */
    public IoRuntimeOptions withRingEntries(int value) {
        return new IoRuntimeOptions(threads, backend, requireUring, value, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, multishotRecv, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * These options with other buffer sizes and counts.
     *
     * @param size bytes per buffer, a power of two from 4096 to 16 MiB
     * @param perLoop buffers in each loop's first slab (and in each slab it grows by), at least 16
     * @param provided buffers lent to the kernel for multishot recv, a power of two below {@code perLoop}
     * @return the new options
     */
    public IoRuntimeOptions withBuffers(int size, int perLoop, int provided) {
        return new IoRuntimeOptions(threads, backend, requireUring, ringEntries, size, perLoop, provided,
                registerBuffers, multishotRecv, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * These options with each loop's first slab registered with the ring (fixed buffers, so
     * sends from it skip the kernel's page pinning) or not.
     *
     * @param value whether to register the buffers
     * @return the new options
     */
    public IoRuntimeOptions withRegisterBuffers(boolean value) {
        return new IoRuntimeOptions(threads, backend, requireUring, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, value, multishotRecv, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * Whether a connection's pooled recvs may run as one multishot recv (io_uring on Linux 6.0+;
     * on by default). Off, every recv is one SQE: for comparing the two, or for ruling it out.
     *
     * @param value whether to use multishot recv
     * @return the new options
     */
    public IoRuntimeOptions withMultishotRecv(boolean value) {
        return new IoRuntimeOptions(threads, backend, requireUring, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, value, blockedLoopThreshold, maxBufferMemory,
                zeroCopySendThreshold);
    }

    /**
     * How long a callback may hold a loop thread before the runtime logs a WARNING naming the
     * loop and the stack it is stuck in (and INFO once it returns); {@link Duration#ZERO} turns
     * the detector off.
     *
     * @param value the threshold, or zero for off
     * @return the new options
     */
    public IoRuntimeOptions withBlockedLoopThreshold(Duration value) {
        return new IoRuntimeOptions(threads, backend, requireUring, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, multishotRecv, value, maxBufferMemory, zeroCopySendThreshold);
    }

    /** {@code -Djring.blockedLoopMillis=N}: N ms (0: off); 1 s without it. */
    static Duration blockedLoopThresholdByProperty() {
        String value = System.getProperty("jring.blockedLoopMillis");
        if (value == null) {
            return Duration.ofSeconds(1);
        }
        try {
            return Duration.ofMillis(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("jring.blockedLoopMillis must be a number of milliseconds (0: off), got " + value);
        }
    }

    /**
     * The most native memory the runtime's buffer pools may map together. Past it, with every
     * block held, {@link Connection#allocate()} throws {@link BufferPoolExhaustedException} and a
     * receive or sendv that needs a block fails with it. Pools grow by a slab at a time
     * ({@code bufferSize * buffersPerLoop}) and give grown slabs back after a second unused.
     *
     * @param bytes the cap, at least one buffer
     * @return the new options
     */
    public IoRuntimeOptions withMaxBufferMemory(long bytes) {
        return new IoRuntimeOptions(threads, backend, requireUring, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, multishotRecv, blockedLoopThreshold, bytes, zeroCopySendThreshold);
    }

    /**
     * Sends of at least {@code bytes} bytes go out as io_uring zero-copy sends (SEND_ZC): the
     * kernel transmits from the buffer itself instead of copying it into socket memory, and the
     * runtime holds the buffer until the kernel's notification says the last byte left it. A
     * send still completes once, when that notification came. Where the kernel lacks SEND_ZC or
     * a socket refuses it, sends are plain, without an error; on epoll they are always plain.
     *
     * <p>Off by default: zero-copy pays only for large sends through a real network device. Over
     * loopback and veth the kernel copies anyway (locally delivered data cannot keep pointing at
     * the sender's pages), and then the notification is pure overhead; {@link
     * RuntimeStats#zeroCopyCopied()} counts those. Also {@code -Djring.send.zeroCopyThreshold=N}.
     *
     * @param bytes the smallest send that goes zero-copy, or 0 to turn zero-copy off
     * @return the new options
     */
    public IoRuntimeOptions withZeroCopySendThreshold(int bytes) {
        return new IoRuntimeOptions(threads, backend, requireUring, ringEntries, bufferSize, buffersPerLoop,
                providedBuffers, registerBuffers, multishotRecv, blockedLoopThreshold, maxBufferMemory, bytes);
    }

    /** {@code -Djring.send.zeroCopyThreshold=N}: N bytes; 0 (off) without it. */
    static int zeroCopySendThresholdByProperty() {
        String value = System.getProperty("jring.send.zeroCopyThreshold");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Djring.send.zeroCopyThreshold must be a byte count (0: off), got '"
                    + value + "'");
        }
    }

    /** {@code -Djring.buffers.maxMemory=BYTES} (a {@code k}, {@code m} or {@code g} suffix allowed), else the default. */
    static long maxBufferMemoryByProperty() {
        String value = System.getProperty("jring.buffers.maxMemory");
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_BUFFER_MEMORY;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        int shift = switch (v.charAt(v.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        try {
            long number = Long.parseLong(shift == 0 ? v : v.substring(0, v.length() - 1));
            if (number <= 0 || number > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Djring.buffers.maxMemory must be a positive byte count such as "
                    + "268435456, 256m or 1g, got '" + value + "'");
        }
    }

    /** {@code JRING_REQUIRE_URING=1} or {@code -Djring.requireUring=true}. */
    static boolean requiredByEnvironment() {
        String env = System.getenv("JRING_REQUIRE_URING");
        String property = System.getProperty("jring.requireUring");
        return isTrue(env) || isTrue(property);
    }

    /** On unless {@code -Djring.recv.multishot=false}. */
    static boolean multishotRecvByProperty() {
        String value = System.getProperty("jring.recv.multishot");
        return value == null || isTrue(value);
    }

    private static boolean isTrue(String value) {
        return value != null && (value.equals("1") || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("yes"));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
