package io.jring.op;

import static io.jring.bindings.IoUringConstants.IORING_CQE_BUFFER_SHIFT;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_BUFFER;
import static io.jring.bindings.IoUringConstants.IORING_CQE_F_MORE;
import static io.jring.bindings.IoUringConstants.IORING_OP_RECV;
import static io.jring.bindings.IoUringConstants.IORING_RECV_MULTISHOT;
import static io.jring.bindings.IoUringConstants.IOSQE_BUFFER_SELECT;

import io.jring.IoBuffer;
import io.jring.bindings.Errno;

/**
 * One multishot recv (io_uring, 6.0+) that stays armed for the life of a connection: one SQE,
 * then a CQE for every arrival, each in a buffer the kernel picks from the provided-buffer ring
 * only when data is there. An idle connection therefore holds no buffer, and a busy one costs
 * no SQE per receive. What arrives goes to the connection's {@link Sink}, which hands it to
 * waiting recvs in call order; the future of this op itself is internal and nobody waits on it.
 *
 * <p>It has no readiness form: on epoll a readable socket is read by the recv that asked, one
 * call at a time, which is already as lazy as a readiness API allows, so the epoll driver never
 * gets one of these ({@code Driver.multishotRecv()} is false there).
 */
public final class RecvStreamOp extends Op<Void> {
    /** Where the stream's results go, on the loop thread, in the order the kernel posted them. */
    public interface Sink {
        /** Data arrived in {@code buffer}, which the sink now owns. */
        void received(IoBuffer buffer);

        /** The stream stopped at end of stream ({@code 0}) or with {@code -errno}, after everything received. */
        void ended(long res);

        /** The provided-buffer ring was empty when data came (ENOBUFS): the stream stopped, nothing is lost. */
        void outOfBuffers();
    }

    private final Sink sink;

    public RecvStreamOp(OpContext context, OpOwner owner, int fd, Sink sink) {
        super(context, owner, fd, 0);
        this.sink = sink;
    }

    @Override
    public String name() {
        return "recv";
    }

    @Override
    public Kind kind() {
        return Kind.RECEIVE;
    }

    @Override
    public void prepare(Sqe sqe) {
        sqe.prep(IORING_OP_RECV, fd, 0, 0, 0)
                .ioprio(IORING_RECV_MULTISHOT)
                .sqeFlags(IOSQE_BUFFER_SELECT)
                .bufIndex(context.providedBufferGroup());
    }

    @Override
    public int interest() {
        throw new UnsupportedOperationException("multishot recv runs on io_uring only");
    }

    @Override
    public long attempt() {
        throw new UnsupportedOperationException("multishot recv runs on io_uring only");
    }

    @Override
    public int complete(long res, int flags) {
        if (res > 0 && (flags & IORING_CQE_F_BUFFER) != 0) {
            sink.received(context.takeProvidedBuffer(flags >>> IORING_CQE_BUFFER_SHIFT, (int) res));
            // Without MORE the kernel has stopped the stream (it may, e.g. when its CQ overflowed);
            // the connection arms a new one when a recv next finds nothing buffered.
            return (flags & IORING_CQE_F_MORE) != 0 ? STILL_ARMED : deliver(null);
        }
        if (res == -Errno.ENOBUFS) {
            context.providedBuffersRanOut();
            sink.outOfBuffers();
        } else if (res == -Errno.EINVAL) {
            context.multishotRecvRefused(); // a kernel before 6.0: the flag is unknown, nothing was read
        } else {
            sink.ended(res);
        }
        return deliver(null);
    }
}
