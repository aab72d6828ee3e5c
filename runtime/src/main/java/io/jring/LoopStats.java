package io.jring;

/**
 * One event loop's counters at the moment {@link IoRuntime#stats()} read them. The counts
 * (submitted, completed, calls, overflows, shortages, refusals, zero-copy sends) only grow over the loop's life:
 * subtract two snapshots for a rate. The rest is the state right now.
 *
 * @param name                    the loop thread's name, e.g. {@code jring-io_uring-0}
 * @param backend                 the backend this loop runs
 * @param sqesSubmitted           io_uring: SQEs the kernel took (operations, re-arms, cancels and
 *                                the loop's own wakeup reads); epoll: operations started
 * @param cqesReaped              io_uring: CQEs reaped; epoll: syscall results handed to operations
 *                                (tries that did not answer EAGAIN)
 * @param enterCalls              io_uring: {@code io_uring_enter} calls; epoll: {@code epoll_wait} calls
 * @param cqOverflows             io_uring: times completions overflowed the CQ into the kernel's
 *                                list (nothing lost; raise {@link IoRuntimeOptions#ringEntries()} if
 *                                it grows under normal load); always 0 on epoll
 * @param providedBufferShortages io_uring: receives that found the provided-buffer ring empty
 *                                (ENOBUFS) and went on with a pooled block; always 0 on epoll
 * @param poolRefusals            blocks refused with {@link BufferPoolExhaustedException} (the
 *                                memory cap, or the system, said no)
 * @param zeroCopySends           io_uring: zero-copy sends (SEND_ZC, see
 *                                {@link IoRuntimeOptions#zeroCopySendThreshold()}) whose kernel
 *                                notification came; always 0 on epoll
 * @param zeroCopyCopied          of those, the ones the kernel reported it copied after all
 *                                ({@code IORING_NOTIF_USAGE_ZC_COPIED}: every send over loopback or
 *                                veth, and devices without scatter-gather)
 * @param buffersInUse            pooled blocks held now by users, operations and the kernel
 *                                (blocks lent to the provided-buffer ring count)
 * @param bufferMemory            bytes this loop's pool has mapped now
 * @param connections             connections open on this loop now
 */
public record LoopStats(String name, Backend backend, long sqesSubmitted, long cqesReaped, long enterCalls,
                        long cqOverflows, long providedBufferShortages, long poolRefusals, long zeroCopySends,
                        long zeroCopyCopied, int buffersInUse,
                        long bufferMemory, int connections) {}
