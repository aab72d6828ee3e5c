package io.jring.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** One loop's counters, emitted every period (1 s by default) for every open runtime: see {@code LoopStats}. */
@Name("jring.LoopStatistics")
@Label("Loop Statistics")
@Category("jring")
@Description("One event loop's counters; the counts only grow over the loop's life")
@Period("1 s")
@StackTrace(false)
final class LoopStatisticsEvent extends jdk.jfr.Event {
    @Label("Runtime")
    @Description("The runtime's number in this process (1 for the first opened)")
    int runtime;

    @Label("Loop")
    @Description("The loop thread's name")
    String loop;

    @Label("Backend")
    String backend;

    @Label("SQEs Submitted")
    @Description("io_uring: SQEs the kernel took; epoll: operations started")
    long sqesSubmitted;

    @Label("CQEs Reaped")
    @Description("io_uring: CQEs reaped; epoll: syscall results handed to operations")
    long cqesReaped;

    @Label("Enter Calls")
    @Description("io_uring: io_uring_enter calls; epoll: epoll_wait calls")
    long enterCalls;

    @Label("CQ Overflows")
    @Description("Times completions overflowed the CQ into the kernel's list (nothing lost)")
    long cqOverflows;

    @Label("Provided-Buffer Shortages")
    @Description("Receives that found the provided-buffer ring empty (ENOBUFS)")
    long providedBufferShortages;

    @Label("Pool Refusals")
    @Description("Blocks refused at the buffer memory cap (BufferPoolExhaustedException)")
    long poolRefusals;

    @Label("Zero-Copy Sends")
    @Description("io_uring SEND_ZC sends whose kernel notification came")
    long zeroCopySends;

    @Label("Zero-Copy Sends Copied")
    @Description("Zero-copy sends the kernel copied after all (always, over loopback and veth)")
    long zeroCopyCopied;

    @Label("Buffers In Use")
    @Description("Pooled blocks held now by users, operations and the kernel")
    int buffersInUse;

    @Label("Buffer Memory")
    @Description("Bytes this loop's buffer pool has mapped now")
    @DataAmount(DataAmount.BYTES)
    long bufferMemory;

    @Label("Connections")
    @Description("Connections open on this loop now")
    int connections;
}
