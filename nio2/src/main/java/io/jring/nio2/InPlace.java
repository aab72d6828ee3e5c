package io.jring.nio2;

import io.jring.Connection;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Which caller buffers go to the kernel in place. A direct ByteBuffer from
 * {@code allocateDirect} (or a slice or duplicate of one, or a segment of {@code Arena.global()}
 * or {@code Arena.ofAuto()}) does: {@code MemorySegment.ofBuffer} of it is a segment whose
 * scope holds the buffer, and the runtime holds that segment until the kernel is done, so the
 * buffer's memory cannot be freed meanwhile. A buffer of a confined or shared Arena
 * ({@code MemorySegment.asByteBuffer()}) is freed by {@code Arena.close()} whatever is held,
 * so it is copied through pooled blocks, like a heap buffer.
 */
final class InPlace {
    private InPlace() {}

    static boolean pinnable(ByteBuffer buffer) {
        return buffer.isDirect() && Connection.isPinnable(MemorySegment.ofBuffer(buffer));
    }

    /** The first buffer of {@code buffers[offset, offset + length)} with bytes remaining, or null. */
    static ByteBuffer firstWithRoom(ByteBuffer[] buffers, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (buffers[i].hasRemaining()) {
                return buffers[i];
            }
        }
        return null;
    }
}
