package io.jring.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Sized views of native memory that came back from C as a bare pointer. Giving a pointer a size
 * is a restricted FFM operation; it lives here so that the bindings stay the only module that
 * needs native access. The callers vouch for the size and keep the memory alive.
 */
public final class NativeMemory {
    private NativeMemory() {}

    /**
     * {@code bytes} at {@code pointer}, memory someone else owns (a ring liburing mapped, a probe
     * it allocated): valid until that owner frees it, which the caller must not outlive.
     */
    public static MemorySegment view(MemorySegment pointer, long bytes) {
        try {
            return pointer.reinterpret(bytes);
        } catch (IllegalCallerException e) {
            throw NativeAccess.denied(e);
        }
    }

    /**
     * The {@code bytes} of an anonymous mapping made by {@link LibC#mmapAnonymous(long)}, owned
     * by {@code arena}: closing the arena unmaps it, and the segment (with every slice of it)
     * fails on access from then on instead of reaching pages reused for something else.
     */
    public static MemorySegment ownedMapping(long address, long bytes, Arena arena) {
        try {
            return MemorySegment.ofAddress(address).reinterpret(bytes, arena, unused -> LibC.munmap(address, bytes));
        } catch (IllegalCallerException e) {
            throw NativeAccess.denied(e);
        }
    }
}
