package io.jring;

/**
 * The runtime's buffer memory is at its cap ({@link IoRuntimeOptions#withMaxBufferMemory}) and
 * every pooled block is held, or the system refused more memory. Thrown by
 * {@link Connection#allocate()}; a receive or gathering send that needs a block fails its own
 * future with it, and nothing else on the connection or loop is affected. The message says how
 * much is allocated, the cap, and how to raise it. Blocks come back as buffers are released and
 * sends complete, so a later attempt may succeed.
 */
public final class BufferPoolExhaustedException extends RuntimeException {
    /**
     * An exhaustion described by {@code message}.
     *
     * @param message how much is allocated, the cap, and how to raise it
     */
    public BufferPoolExhaustedException(String message) {
        super(message);
    }

    /**
     * An exhaustion caused by the system refusing memory.
     *
     * @param message what was asked for and what to do
     * @param cause the refusal (mmap's error, for one)
     */
    public BufferPoolExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
