package io.jring.op;

import java.lang.foreign.MemorySegment;

/**
 * Which caller-owned segments the kernel may be given in place. The runtime can keep such
 * memory alive until the last CQE only by holding a strong reference to the segment, which
 * works for memory that is freed by the garbage collector or never: the global scope, an
 * automatic arena, and {@code MemorySegment.ofBuffer} of a direct ByteBuffer (whose scope
 * holds the buffer, so the buffer cannot be collected while the segment is reachable). A
 * confined or shared Arena frees its memory on {@code close()}, whatever references exist, and
 * the FFM API offers no public way to hold it open; such segments are refused.
 *
 * <p>The FFM API names no public "closeable" test, so this asks the scope's class: a known
 * non-closeable kind passes, and anything else (a closeable arena, or a kind a later JDK
 * adds) is refused, so a wrong answer can only cost a copy, never a use after free.
 */
public final class PinnableMemory {
    private PinnableMemory() {}

    /** Whether {@code segment} is native memory that a strong reference keeps alive. */
    public static boolean isPinnable(MemorySegment segment) {
        if (!segment.isNative() || !segment.scope().isAlive()) {
            return false;
        }
        return switch (segment.scope().getClass().getName()) {
            // Arena.global() (and ofAddress), a direct ByteBuffer's scope (holds the buffer), Arena.ofAuto()
            case "jdk.internal.foreign.GlobalSession", "jdk.internal.foreign.GlobalSession$HeapSession",
                 "jdk.internal.foreign.ImplicitSession" -> true;
            default -> false;
        };
    }

    /** Throws unless {@code segment} may be handed to the kernel in place; names what to do instead. */
    static void check(String call, MemorySegment segment) {
        if (segment.byteSize() == 0 || segment.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(call + " takes 1 to " + Integer.MAX_VALUE + " bytes, got "
                    + segment.byteSize());
        }
        if (!isPinnable(segment)) {
            throw new IllegalArgumentException(call + " needs native memory the runtime can keep alive until the"
                    + " kernel is done (a direct ByteBuffer, Arena.global() or Arena.ofAuto()); " + segment
                    + " is heap memory or belongs to a closeable Arena, which close() frees at once:"
                    + " use recv(IoBuffer)/send(MemorySegment), which copy");
        }
    }
}
