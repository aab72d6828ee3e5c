package io.jring.buffer;

import io.jring.IoBuffer;
import io.jring.loop.BufferPool;
import java.lang.foreign.MemorySegment;

/**
 * Static door to {@link BufferAccess}. IoBuffer installs the implementation when its class
 * initialises; {@link #access()} makes sure that has happened before the first use.
 */
public final class Buffers {
    private static volatile BufferAccess access;

    private Buffers() {}

    /** Called once, from IoBuffer's static initialiser. */
    public static void install(BufferAccess implementation) {
        if (access != null) {
            throw new IllegalStateException("buffer access installed twice");
        }
        access = implementation;
    }

    private static BufferAccess access() {
        BufferAccess a = access;
        if (a == null) {
            ensureInitialised();
            a = access;
        }
        return a;
    }

    private static void ensureInitialised() {
        try {
            Class.forName(IoBuffer.class.getName(), true, IoBuffer.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    public static IoBuffer create(BufferPool pool, int block, MemorySegment memory, LeakTracker.Record leak) {
        return access().create(pool, block, memory, leak);
    }

    public static MemorySegment memory(IoBuffer b) {
        return access().memory(b);
    }

    /** The native address of the buffer's byte at {@code offset}. */
    public static long address(IoBuffer b, long offset) {
        return access().memory(b).address() + offset;
    }

    public static BufferPool pool(IoBuffer b) {
        return access().pool(b);
    }

    public static int block(IoBuffer b) {
        return access().block(b);
    }

    public static void setWriterIndex(IoBuffer b, int index) {
        access().setWriterIndex(b, index);
    }

    public static void takeForSend(IoBuffer b) {
        access().takeForSend(b);
    }

    public static void undoTake(IoBuffer b) {
        access().undoTake(b);
    }

    public static void releaseAfterSend(IoBuffer b) {
        access().releaseAfterSend(b);
    }

    public static void lend(IoBuffer b) {
        access().lend(b);
    }

    public static void abandon(IoBuffer b) {
        access().abandon(b);
    }

    public static void giveBack(IoBuffer b) {
        access().giveBack(b);
    }

    public static boolean heldByOperation(IoBuffer b) {
        return access().heldByOperation(b);
    }

    public static boolean isOwned(IoBuffer b) {
        return access().isOwned(b);
    }
}
