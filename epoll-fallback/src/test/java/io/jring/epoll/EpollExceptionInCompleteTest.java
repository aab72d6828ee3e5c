package io.jring.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.bindings.LibC;
import io.jring.bindings.Linux;
import io.jring.loop.BufferPool;
import io.jring.op.Op;
import io.jring.op.OpContext;
import io.jring.op.OpOwner;
import io.jring.op.Sqe;
import io.jring.spi.Driver;
import io.jring.spi.DriverSettings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An op whose completion throws fails with what it threw and ends exactly once; the epoll loop
 * goes on serving the next op on the same descriptor. (The io_uring driver's twin is
 * {@code io.jring.uring.ExceptionInCompleteTest}.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EpollExceptionInCompleteTest implements OpContext, OpOwner {
    private final BufferPool pool = new BufferPool(4096, 4);
    private final Arena arena = Arena.ofConfined();
    private Driver driver;
    private int finishedCount;

    @Test
    void throwingInCompleteFailsThatOpOnly() throws Exception {
        driver = new EpollDriverFactory().open(new DriverSettings(8, 0, false, false, 0), pool);
        int eventfd = LibC.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
        try {
            ReadEventfd bad = new ReadEventfd(eventfd, new IllegalStateException("bug in complete"));
            driver.submit(bad); // parks: nothing to read yet
            signal(eventfd);
            pollUntil(bad::isDone);
            CompletionException error = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, bad::join);
            assertSame(bad.failure, error.getCause());
            assertEquals(1, finishedCount, "ended exactly once");

            ReadEventfd good = new ReadEventfd(eventfd, null);
            driver.submit(good);
            signal(eventfd);
            pollUntil(good::isDone);
            assertEquals(1L, good.join());
            assertEquals(2, finishedCount);
            assertEquals(0, driver.inFlight());
        } finally {
            driver.closing(eventfd);
            LibC.close(eventfd);
            driver.close();
            arena.close();
            pool.close();
        }
    }

    private void signal(int eventfd) {
        MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        assertEquals(8, LibC.write(eventfd, one, 8));
    }

    private void pollUntil(BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "op did not end");
            driver.poll(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** Reads an eventfd's counter; its completion throws {@code failure} if one is given. */
    private final class ReadEventfd extends Op<Long> {
        final RuntimeException failure;
        private final MemorySegment counter = arena.allocate(ValueLayout.JAVA_LONG);

        ReadEventfd(int fd, RuntimeException failure) {
            super(EpollExceptionInCompleteTest.this, EpollExceptionInCompleteTest.this, fd, 0);
            this.failure = failure;
        }

        @Override public String name() { return "read"; }
        @Override public void prepare(Sqe sqe) { throw new UnsupportedOperationException(); }
        @Override public int interest() { return Linux.EPOLLIN; }
        @Override public long attempt() { return LibC.read(fd, counter, 8); }

        @Override
        public int complete(long res, int flags) {
            if (failure != null) {
                throw failure;
            }
            return res < 0 ? fail(res) : deliver(counter.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Override public void opFinished(Op<?> op) { finishedCount++; }
    @Override public BufferPool pool() { return pool; }
    @Override public int providedBufferGroup() { return -1; }
    @Override public IoBuffer takeProvidedBuffer(int bid, int length) { throw new AssertionError(); }
    @Override public boolean fixedBuffersRegistered() { return false; }
    @Override public boolean multishotAccept() { return false; }
    @Override public boolean multishotRecv() { return false; }
    @Override public void multishotRecvRefused() {}
    @Override public Connection adopt(int fd, boolean unixDomain) { throw new AssertionError(); }
    @Override public void closingDescriptor(int fd) {}
    @Override public void requestCancel(Op<?> op) { driver.cancel(op); }
    @Override public boolean inLoop() { return false; } // the test thread drives the driver and may join
}
