package io.jring.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few FFM mechanics every binding shares: finding a symbol, making a downcall that
 * captures {@code errno}, and reading that {@code errno} back on the calling thread.
 *
 * <p>libc reports failure as {@code -1} plus {@code errno}; the kernel's own convention
 * (and io_uring's {@code cqe->res}) is {@code -errno}. The wrappers in {@link LibC} turn the
 * first into the second so both drivers read results one way.
 */
public final class Native {
    public static final Linker LINKER = Linker.nativeLinker();

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One capture buffer per thread: a downcall writes errno there before returning. */
    private static final ThreadLocal<MemorySegment> CALL_STATE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CALL_STATE));

    private Native() {}

    /** A downcall whose first argument is the errno capture segment (see {@link #callState()}). */
    static MethodHandle downcallWithErrno(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        return downcall(find(lookup, name), fd, CAPTURE_ERRNO);
    }

    /** A plain downcall, for functions that return {@code -errno} themselves (liburing's). */
    static MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        return downcall(find(lookup, name), fd);
    }

    /** Every downcall handle of the bindings is made here: a denied native access names its flag. */
    static MethodHandle downcall(MemorySegment symbol, FunctionDescriptor fd, Linker.Option... options) {
        try {
            return LINKER.downcallHandle(symbol, fd, options);
        } catch (IllegalCallerException e) {
            throw NativeAccess.denied(e);
        }
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("symbol not found: " + name));
    }

    static MemorySegment callState() {
        return CALL_STATE_BUFFER.get();
    }

    /** The errno the last errno-capturing downcall on this thread left behind. */
    static int lastErrno() {
        return (int) ERRNO.get(CALL_STATE_BUFFER.get(), 0L);
    }

    /** Maps libc's {@code -1 + errno} onto the kernel's {@code -errno}. */
    static long result(long libcResult) {
        return libcResult == -1 ? -lastErrno() : libcResult;
    }
}
