package io.jring.bindings;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Flattens a struct layout into its named members with absolute offsets, so a layout can be
 * compared with what gcc or jextract computes. Shared by {@code LayoutTest} and
 * {@code JextractCrossCheckTest}.
 */
final class LayoutMembers {
    /** Every hand-written struct layout of the bindings: the ones the tests check. */
    static final List<StructLayout> ALL = List.of(
            IoUringAbi.SQE, IoUringAbi.CQE, IoUringAbi.PARAMS,
            IoUringAbi.SQRING_OFFSETS, IoUringAbi.CQRING_OFFSETS,
            IoUringAbi.PROBE, IoUringAbi.PROBE_OP, IoUringAbi.BUF, IoUringAbi.BUF_REG,
            IoUringAbi.GETEVENTS_ARG, IoUringAbi.RECVMSG_OUT,
            LibUringLayouts.RING, LibUringLayouts.SQ, LibUringLayouts.CQ,
            SocketLayouts.SOCKADDR_IN, SocketLayouts.SOCKADDR_IN6, SocketLayouts.SOCKADDR_UN, SocketLayouts.IOVEC,
            SocketLayouts.KERNEL_TIMESPEC, SocketLayouts.EPOLL_EVENT, SocketLayouts.RLIMIT,
            SocketLayouts.MSGHDR);

    /** A named member: {@code path} is dotted for nested structs ({@code sq.khead}). */
    record Member(String path, long offset, long size) {}

    private LayoutMembers() {}

    /** The C struct tag a layout stands for: its name ({@code io_uring_sqe}). */
    static String tag(GroupLayout layout) {
        return layout.name().orElseThrow(() -> new AssertionError("layout without a name: " + layout));
    }

    /**
     * Named members, depth first. Unnamed padding is skipped. Groups without a name, or named
     * like jextract's anonymous members ({@code $anon$...}), are see-through: their members
     * belong to the enclosing struct, as C's anonymous unions do.
     */
    static List<Member> of(GroupLayout layout) {
        List<Member> out = new ArrayList<>();
        walk(layout, "", 0, out);
        return out;
    }

    private static void walk(GroupLayout group, String prefix, long base, List<Member> out) {
        long next = 0;
        for (MemoryLayout member : group.memberLayouts()) {
            // FFM struct layouts have no implicit padding, so offsets are running sums.
            long at = base + (group instanceof UnionLayout ? 0 : next);
            next += member.byteSize();
            if (member instanceof PaddingLayout) continue;
            String name = member.name().orElse("");
            boolean anonymous = name.isEmpty() || name.startsWith("$anon");
            if (anonymous) {
                if (member instanceof GroupLayout inner) walk(inner, prefix, at, out);
                continue;
            }
            out.add(new Member(prefix + name, at, member.byteSize()));
            if (member instanceof GroupLayout inner) walk(inner, prefix + name + ".", at, out);
        }
    }
}
