package io.jring.uring;

import static io.jring.bindings.IoUringAbi.SQE_ADDR;
import static io.jring.bindings.IoUringAbi.SQE_BUF_INDEX;
import static io.jring.bindings.IoUringAbi.SQE_FD;
import static io.jring.bindings.IoUringAbi.SQE_FLAGS;
import static io.jring.bindings.IoUringAbi.SQE_IOPRIO;
import static io.jring.bindings.IoUringAbi.SQE_LEN;
import static io.jring.bindings.IoUringAbi.SQE_OFF;
import static io.jring.bindings.IoUringAbi.SQE_OPCODE;
import static io.jring.bindings.IoUringAbi.SQE_OP_FLAGS;
import static io.jring.bindings.IoUringAbi.SQE_USER_DATA;

import io.jring.op.Sqe;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The driver's one reusable {@link Sqe}: points at a slot of the SQ array, writes its fields. */
final class SqeCursor implements Sqe {
    private final MemorySegment sqes;
    private long base;
    /** What the last {@link #prep} named, for the invariant checker. */
    int opcode;
    long addr;
    int len;

    SqeCursor(MemorySegment sqes) {
        this.sqes = sqes;
    }

    /** Points at an SQE that {@link Ring#nextSqe()} has zeroed. */
    SqeCursor at(long offset) {
        this.base = offset;
        return this;
    }

    @Override
    public Sqe prep(int opcode, int fd, long addr, int len, long off) {
        sqes.set(ValueLayout.JAVA_BYTE, base + SQE_OPCODE, (byte) opcode);
        sqes.set(ValueLayout.JAVA_INT, base + SQE_FD, fd);
        sqes.set(ValueLayout.JAVA_LONG, base + SQE_OFF, off);
        sqes.set(ValueLayout.JAVA_LONG, base + SQE_ADDR, addr);
        sqes.set(ValueLayout.JAVA_INT, base + SQE_LEN, len);
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

    /** Adds {@code IOSQE_*} flags to what the op set. */
    void addSqeFlags(int flags) {
        byte current = sqes.get(ValueLayout.JAVA_BYTE, base + SQE_FLAGS);
        sqes.set(ValueLayout.JAVA_BYTE, base + SQE_FLAGS, (byte) (current | flags));
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
        sqes.set(ValueLayout.JAVA_INT, base + io.jring.bindings.IoUringAbi.SQE_FILE_INDEX, fd);
        return this;
    }

    /** Zeroes the SQE again: a NOP whose CQE nobody waits for (user_data 0), for an op whose prepare failed. */
    void clear() {
        for (long i = 0; i < io.jring.bindings.IoUringAbi.SQE_SIZE; i += 8) {
            sqes.set(ValueLayout.JAVA_LONG, base + i, 0L);
        }
    }

    void userData(long value) {
        sqes.set(ValueLayout.JAVA_LONG, base + SQE_USER_DATA, value);
    }
}
