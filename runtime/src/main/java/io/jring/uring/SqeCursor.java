package io.jring.uring;

import static io.jring.bindings.IoUringAbi.SQE_ADDR;
import static io.jring.bindings.IoUringAbi.SQE_ADDR3;
import static io.jring.bindings.IoUringAbi.SQE_BUF_INDEX;
import static io.jring.bindings.IoUringAbi.SQE_FD;
import static io.jring.bindings.IoUringAbi.SQE_FILE_INDEX;
import static io.jring.bindings.IoUringAbi.SQE_FLAGS;
import static io.jring.bindings.IoUringAbi.SQE_IOPRIO;
import static io.jring.bindings.IoUringAbi.SQE_LEN;
import static io.jring.bindings.IoUringAbi.SQE_OFF;
import static io.jring.bindings.IoUringAbi.SQE_OPCODE;
import static io.jring.bindings.IoUringAbi.SQE_OP_FLAGS;
import static io.jring.bindings.IoUringAbi.SQE_PERSONALITY;
import static io.jring.bindings.IoUringAbi.SQE_SIZE;
import static io.jring.bindings.IoUringAbi.SQE_USER_DATA;

import io.jring.op.Sqe;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The driver's one reusable {@link Sqe}: points at one SQE of the ring's SQE array and writes
 * its fields. The SQE is not zeroed beforehand: {@link #prep} writes every field once (the
 * ones the op names, zero for the rest, as liburing's prep helpers do) in seven 8-byte stores,
 * and the setters after it overwrite single fields. {@link #prepared} tells the driver whether an
 * op's {@code prepare} reached {@code prep} at all, since a slot left as it was would submit
 * whatever was last submitted from it.
 */
final class SqeCursor implements Sqe {
    static {
        // prep writes neighbouring fields with one aligned 8-byte store (opcode to fd, len and
        // rw_flags, buf_index to splice_fd_in, addr3 and the padding): that relies on the
        // kernel ABI's fixed layout, so say so at once if the bindings ever disagree.
        if (SQE_SIZE != 64 || SQE_OPCODE != 0 || SQE_LEN % 8 != 0 || SQE_FLAGS != SQE_OPCODE + 1 || SQE_IOPRIO != SQE_OPCODE + 2 || SQE_FD != SQE_OPCODE + 4
                || SQE_OP_FLAGS != SQE_LEN + 4 || SQE_PERSONALITY != SQE_BUF_INDEX + 2
                || SQE_FILE_INDEX != SQE_BUF_INDEX + 4 || SQE_ADDR3 != SQE_BUF_INDEX + 8 || SQE_ADDR3 + 16 != SQE_SIZE) {
            throw new ExceptionInInitializerError("struct io_uring_sqe layout is not the one SqeCursor writes");
        }
    }

    /** Little-endian (x86-64, arm64): prep joins neighbouring fields into one 8-byte store. */
    private static final boolean LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    private final MemorySegment sqes;
    private long base;
    private boolean prepared;
    /** What the last {@link #prep} named, for the invariant checker. */
    int opcode;
    long addr;
    int len;

    SqeCursor(MemorySegment sqes) {
        this.sqes = sqes;
    }

    /** Points at the SQE at {@code offset}, which {@link Ring#nextSqe()} handed out; nothing is written yet. */
    SqeCursor at(long offset) {
        this.base = offset;
        this.prepared = false;
        return this;
    }

    /** Whether {@link #prep} ran since {@link #at}: otherwise the slot still holds an older SQE. */
    boolean prepared() {
        return prepared;
    }

    @Override
    public Sqe prep(int opcode, int fd, long addr, int len, long off) {
        MemorySegment s = sqes;
        long b = base;
        if (LITTLE_ENDIAN) {
            // opcode, flags 0, ioprio 0 and fd in one store; len and rw_flags 0 in another
            s.set(ValueLayout.JAVA_LONG, b + SQE_OPCODE, (opcode & 0xffL) | ((long) fd << 32));
            s.set(ValueLayout.JAVA_LONG, b + SQE_LEN, len & 0xffff_ffffL);
        } else {
            s.set(ValueLayout.JAVA_BYTE, b + SQE_OPCODE, (byte) opcode);
            s.set(ValueLayout.JAVA_BYTE, b + SQE_FLAGS, (byte) 0);
            s.set(ValueLayout.JAVA_SHORT, b + SQE_IOPRIO, (short) 0);
            s.set(ValueLayout.JAVA_INT, b + SQE_FD, fd);
            s.set(ValueLayout.JAVA_INT, b + SQE_LEN, len);
            s.set(ValueLayout.JAVA_INT, b + SQE_OP_FLAGS, 0);
        }
        s.set(ValueLayout.JAVA_LONG, b + SQE_OFF, off);
        s.set(ValueLayout.JAVA_LONG, b + SQE_ADDR, addr);
        s.set(ValueLayout.JAVA_LONG, b + SQE_BUF_INDEX, 0L); // and personality, splice_fd_in
        s.set(ValueLayout.JAVA_LONG, b + SQE_ADDR3, 0L);
        s.set(ValueLayout.JAVA_LONG, b + SQE_ADDR3 + 8, 0L); // the padding: zero, as the kernel expects
        this.prepared = true;
        this.opcode = opcode;
        this.addr = addr;
        this.len = len;
        return this;
    }

    @Override
    public Sqe opFlags(int flags) {
        sqes.set(ValueLayout.JAVA_INT, base + SQE_OP_FLAGS, flags);
        return this;
    }

    @Override
    public Sqe sqeFlags(int flags) {
        sqes.set(ValueLayout.JAVA_BYTE, base + SQE_FLAGS, (byte) flags);
        return this;
    }

    @Override
    public Sqe ioprio(int value) {
        sqes.set(ValueLayout.JAVA_SHORT, base + SQE_IOPRIO, (short) value);
        return this;
    }

    @Override
    public Sqe bufIndex(int index) {
        sqes.set(ValueLayout.JAVA_SHORT, base + SQE_BUF_INDEX, (short) index);
        return this;
    }

    @Override
    public Sqe spliceFdIn(int fd) {
        sqes.set(ValueLayout.JAVA_INT, base + SQE_FILE_INDEX, fd);
        return this;
    }

    /** Zeroes the whole SQE: a NOP whose CQE nobody waits for (user_data 0), for an op whose prepare failed. */
    void clear() {
        for (long i = 0; i < SQE_SIZE; i += 8) {
            sqes.set(ValueLayout.JAVA_LONG, base + i, 0L);
        }
    }

    void userData(long value) {
        sqes.set(ValueLayout.JAVA_LONG, base + SQE_USER_DATA, value);
    }
}
