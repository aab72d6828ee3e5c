package io.jring.spi;

/**
 * What a driver is opened with.
 *
 * @param ringEntries     io_uring SQ entries (the CQ gets four times as many, up to the kernel's 65536); epoll's batch size
 * @param providedBuffers blocks of the loop's pool lent to the kernel's provided-buffer ring
 * @param registerBuffers whether to register the pool as fixed buffers
 * @param multishotRecv   whether recv may run multishot (io_uring)
 * @param loopIndex       which loop this is, for names in logs
 */
public record DriverSettings(int ringEntries, int providedBuffers, boolean registerBuffers, boolean multishotRecv,
                             int loopIndex) {}
