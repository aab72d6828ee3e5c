package io.jring.nio2;

import java.nio.ByteBuffer;

/** Argument checks and sums over the ByteBuffer arrays of scattering reads and gathering writes. */
final class Buffers {
    private Buffers() {}

    static long remaining(ByteBuffer[] buffers, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += buffers[i].remaining();
        }
        return total;
    }

    /** The JDK's checks: bounds, no null element, and (for reads) no read-only buffer. */
    static void check(ByteBuffer[] buffers, int offset, int length, boolean forRead) {
        if (offset < 0 || length < 0 || offset > buffers.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " of " + buffers.length + " buffers");
        }
        for (int i = offset; i < offset + length; i++) {
            if (buffers[i] == null) {
                throw new NullPointerException("buffer " + i + " is null");
            }
            if (forRead && buffers[i].isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
        }
    }
}
