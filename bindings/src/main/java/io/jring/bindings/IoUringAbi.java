package io.jring.bindings;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The kernel's io_uring structs ({@code linux/io_uring.h}). Unions are flattened to the member
 * the runtime uses; the union's other names alias the same offset and are listed in comments.
 * The hot path writes SQEs and reads CQEs through the {@code static final} offsets below,
 * which the JIT folds into constants.
 */
public final class IoUringAbi {
    /** {@code struct io_uring_sqe} (64 bytes). */
    public static final StructLayout SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            JAVA_LONG.withName("off"),          // union: addr2, cmd_op
            JAVA_LONG.withName("addr"),         // union: splice_off_in
            JAVA_INT.withName("len"),
            JAVA_INT.withName("rw_flags"),      // union: msg_flags, accept_flags, timeout_flags, ...
            JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"),   // union: buf_group
            JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("splice_fd_in"),  // union: file_index, addr_len
            JAVA_LONG.withName("addr3"),
            MemoryLayout.sequenceLayout(1, JAVA_LONG).withName("__pad2"))
            .withName("io_uring_sqe");

    /** {@code struct io_uring_cqe} (16 bytes; the ring is not set up with CQE32). */
    public static final StructLayout CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"),
            JAVA_INT.withName("res"),
            JAVA_INT.withName("flags"))
            .withName("io_uring_cqe");

    /** {@code struct io_sqring_offsets}. */
    public static final StructLayout SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"), JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("resv2"))
            .withName("io_sqring_offsets");

    /** {@code struct io_cqring_offsets}. */
    public static final StructLayout CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"), JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("resv2"))
            .withName("io_cqring_offsets");

    /** {@code struct io_uring_params} (120 bytes). */
    public static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"),
            JAVA_INT.withName("cq_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"),
            JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQRING_OFFSETS.withName("sq_off"),
            CQRING_OFFSETS.withName("cq_off"))
            .withName("io_uring_params");

    /** {@code struct io_uring_probe_op}. */
    public static final StructLayout PROBE_OP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"),
            JAVA_BYTE.withName("resv"),
            JAVA_SHORT.withName("flags"),
            JAVA_INT.withName("resv2"))
            .withName("io_uring_probe_op");

    /** {@code struct io_uring_probe}, header only; {@code ops[]} follows it. */
    public static final StructLayout PROBE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_op"),
            JAVA_BYTE.withName("ops_len"),
            JAVA_SHORT.withName("resv"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv2"))
            .withName("io_uring_probe");

    /**
     * {@code struct io_uring_recvmsg_out}: what a multishot RECVMSG writes at the start of each
     * provided buffer, followed by the name ({@code msg_namelen} bytes of the submitted msghdr),
     * the control data ({@code msg_controllen}) and the payload.
     */
    public static final StructLayout RECVMSG_OUT = MemoryLayout.structLayout(
            JAVA_INT.withName("namelen"),
            JAVA_INT.withName("controllen"),
            JAVA_INT.withName("payloadlen"),
            JAVA_INT.withName("flags"))
            .withName("io_uring_recvmsg_out");

    /** {@code struct io_uring_buf}: one slot of a provided-buffer ring. */
    public static final StructLayout BUF = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_SHORT.withName("bid"),
            JAVA_SHORT.withName("resv"))   // slot 0's resv is the ring's tail
            .withName("io_uring_buf");

    /** {@code struct io_uring_buf_reg}: the argument of IORING_REGISTER_PBUF_RING. */
    public static final StructLayout BUF_REG = MemoryLayout.structLayout(
            JAVA_LONG.withName("ring_addr"),
            JAVA_INT.withName("ring_entries"),
            JAVA_SHORT.withName("bgid"),
            JAVA_SHORT.withName("pad"),
            MemoryLayout.sequenceLayout(3, JAVA_LONG).withName("resv"))
            .withName("io_uring_buf_reg");

    /**
     * {@code struct io_uring_getevents_arg}: what io_uring_enter reads with
     * {@code IORING_ENTER_EXT_ARG} (5.11+), here for a wait with a timeout.
     */
    public static final StructLayout GETEVENTS_ARG = MemoryLayout.structLayout(
            JAVA_LONG.withName("sigmask"),
            JAVA_INT.withName("sigmask_sz"),
            JAVA_INT.withName("pad"),
            JAVA_LONG.withName("ts"))
            .withName("io_uring_getevents_arg");

    public static final long SQE_SIZE = SQE.byteSize();
    public static final long SQE_OPCODE = SQE.byteOffset(groupElement("opcode"));
    public static final long SQE_FLAGS = SQE.byteOffset(groupElement("flags"));
    public static final long SQE_IOPRIO = SQE.byteOffset(groupElement("ioprio"));
    public static final long SQE_FD = SQE.byteOffset(groupElement("fd"));
    public static final long SQE_OFF = SQE.byteOffset(groupElement("off"));
    public static final long SQE_ADDR = SQE.byteOffset(groupElement("addr"));
    public static final long SQE_LEN = SQE.byteOffset(groupElement("len"));
    public static final long SQE_OP_FLAGS = SQE.byteOffset(groupElement("rw_flags"));
    public static final long SQE_USER_DATA = SQE.byteOffset(groupElement("user_data"));
    public static final long SQE_BUF_INDEX = SQE.byteOffset(groupElement("buf_index"));
    public static final long SQE_PERSONALITY = SQE.byteOffset(groupElement("personality"));
    public static final long SQE_FILE_INDEX = SQE.byteOffset(groupElement("splice_fd_in"));
    public static final long SQE_ADDR3 = SQE.byteOffset(groupElement("addr3"));

    public static final long CQE_SIZE = CQE.byteSize();
    public static final long CQE_USER_DATA = CQE.byteOffset(groupElement("user_data"));
    public static final long CQE_RES = CQE.byteOffset(groupElement("res"));
    public static final long CQE_FLAGS = CQE.byteOffset(groupElement("flags"));

    public static final long PARAMS_FLAGS = PARAMS.byteOffset(groupElement("flags"));
    public static final long PARAMS_FEATURES = PARAMS.byteOffset(groupElement("features"));
    public static final long PARAMS_SQ_ENTRIES = PARAMS.byteOffset(groupElement("sq_entries"));
    public static final long PARAMS_CQ_ENTRIES = PARAMS.byteOffset(groupElement("cq_entries"));

    public static final long PROBE_LAST_OP = PROBE.byteOffset(groupElement("last_op"));
    public static final long PROBE_OPS_LEN = PROBE.byteOffset(groupElement("ops_len"));
    public static final long PROBE_OP_FLAGS = PROBE_OP.byteOffset(groupElement("flags"));

    public static final long RECVMSG_OUT_NAMELEN = RECVMSG_OUT.byteOffset(groupElement("namelen"));
    public static final long RECVMSG_OUT_PAYLOADLEN = RECVMSG_OUT.byteOffset(groupElement("payloadlen"));
    public static final long RECVMSG_OUT_FLAGS = RECVMSG_OUT.byteOffset(groupElement("flags"));

    public static final long BUF_SIZE = BUF.byteSize();
    public static final long BUF_ADDR = BUF.byteOffset(groupElement("addr"));
    public static final long BUF_LEN = BUF.byteOffset(groupElement("len"));
    public static final long BUF_BID = BUF.byteOffset(groupElement("bid"));
    /** The buffer ring's tail overlays slot 0's {@code resv}. */
    public static final long BUF_RING_TAIL = BUF.byteOffset(groupElement("resv"));

    public static final long BUF_REG_RING_ADDR = BUF_REG.byteOffset(groupElement("ring_addr"));
    public static final long BUF_REG_RING_ENTRIES = BUF_REG.byteOffset(groupElement("ring_entries"));
    public static final long BUF_REG_BGID = BUF_REG.byteOffset(groupElement("bgid"));

    public static final long GETEVENTS_ARG_SIGMASK_SZ = GETEVENTS_ARG.byteOffset(groupElement("sigmask_sz"));
    public static final long GETEVENTS_ARG_TS = GETEVENTS_ARG.byteOffset(groupElement("ts"));

    private IoUringAbi() {}
}
