package io.jring.bindings;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * liburing's own {@code struct io_uring} (216 bytes in liburing 2.3): the user-space view of
 * one ring, which {@code io_uring_queue_init_params} fills and {@code io_uring_submit} reads.
 * The runtime fills SQEs and reaps CQEs itself through the pointers stored here, because
 * liburing 2.3 makes every prep, peek and advance helper {@code static inline}.
 */
public final class LibUringLayouts {
    /** {@code struct io_uring_sq}. */
    public static final StructLayout SQ = MemoryLayout.structLayout(
            ADDRESS.withName("khead"),
            ADDRESS.withName("ktail"),
            ADDRESS.withName("kring_mask"),
            ADDRESS.withName("kring_entries"),
            ADDRESS.withName("kflags"),
            ADDRESS.withName("kdropped"),
            ADDRESS.withName("array"),
            ADDRESS.withName("sqes"),
            JAVA_INT.withName("sqe_head"),
            JAVA_INT.withName("sqe_tail"),
            JAVA_LONG.withName("ring_sz"),
            ADDRESS.withName("ring_ptr"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("pad"))
            .withName("io_uring_sq");

    /** {@code struct io_uring_cq}. */
    public static final StructLayout CQ = MemoryLayout.structLayout(
            ADDRESS.withName("khead"),
            ADDRESS.withName("ktail"),
            ADDRESS.withName("kring_mask"),
            ADDRESS.withName("kring_entries"),
            ADDRESS.withName("kflags"),
            ADDRESS.withName("koverflow"),
            ADDRESS.withName("cqes"),
            JAVA_LONG.withName("ring_sz"),
            ADDRESS.withName("ring_ptr"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("pad"))
            .withName("io_uring_cq");

    /** {@code struct io_uring}. */
    public static final StructLayout RING = MemoryLayout.structLayout(
            SQ.withName("sq"),
            CQ.withName("cq"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("ring_fd"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("enter_ring_fd"),
            JAVA_BYTE.withName("int_flags"),
            MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("pad"),
            JAVA_INT.withName("pad2"))
            .withName("io_uring");

    public static final long SQ_KHEAD = sq("khead");
    public static final long SQ_KTAIL = sq("ktail");
    public static final long SQ_KFLAGS = sq("kflags");
    public static final long SQ_ARRAY = sq("array");
    public static final long SQ_SQES = sq("sqes");
    public static final long SQ_SQE_TAIL = sq("sqe_tail");
    public static final long SQ_RING_MASK = sq("ring_mask");
    public static final long SQ_RING_ENTRIES = sq("ring_entries");
    public static final long CQ_KHEAD = cq("khead");
    public static final long CQ_KTAIL = cq("ktail");
    public static final long CQ_KOVERFLOW = cq("koverflow");
    public static final long CQ_CQES = cq("cqes");
    public static final long CQ_RING_MASK = cq("ring_mask");
    public static final long CQ_RING_ENTRIES = cq("ring_entries");
    public static final long RING_FLAGS = RING.byteOffset(groupElement("flags"));
    public static final long RING_FD = RING.byteOffset(groupElement("ring_fd"));
    public static final long RING_FEATURES = RING.byteOffset(groupElement("features"));

    private LibUringLayouts() {}

    private static long sq(String field) {
        return RING.byteOffset(groupElement("sq"), groupElement(field));
    }

    private static long cq(String field) {
        return RING.byteOffset(groupElement("cq"), groupElement(field));
    }
}
