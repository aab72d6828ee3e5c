package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The whole runtime test suite, written once for every backend. A backend's test is one class:
 *
 * <pre>{@code
 * class EpollRuntimeTest extends RuntimeContract {
 *     protected Backend backend() { return Backend.EPOLL; }
 * }
 * }</pre>
 *
 * The topics live in their own abstract classes ({@link EchoContract}, {@link CloseContract}...);
 * each is pulled in here as a {@code @Nested} class that runs on this class's backend, so a
 * subclass inherits every topic. (The epoll-fallback module gets these classes through the
 * runtime's test-jar.)
 */
public abstract class RuntimeContract extends RuntimeTestBase {

    @Test
    void theInvariantCheckerWatchesThisSuite() {
        assertTrue(io.jring.op.Invariants.ENABLED,
                "run the contract suite with -Djring.debug.invariants=true (the build's surefire argLine sets it)");
    }

    @Test
    void opensOnTheRequestedBackendWithItsLoops() throws Exception {
        IoRuntime runtime = open(2);
        assertEquals(backend(), runtime.backend());
        assertEquals(2, runtime.threads());
        List<Thread> threads = runtime.threadsForTesting();
        assertEquals(2, threads.size());
        threads.forEach(thread -> assertTrue(thread.isAlive(), thread.getName()));
        assertEquals(2, runtime.describeLoops().size());
        assertTrue(runtime.buffersInUse() >= 0);
    }

    @Test
    void closeStopsEveryLoopAndIsIdempotent() throws Exception {
        IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(3).withBackend(backend()));
        List<Thread> threads = runtime.threadsForTesting();
        runtime.close();
        for (Thread thread : threads) {
            assertFalse(thread.isAlive(), thread.getName() + " alive after close()");
        }
        runtime.close();
        assertEquals(0, runtime.buffersInUse());
    }

    @Test
    void manyRuntimesOpenAndCloseInTurn() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1).withBackend(backend()))) {
                EchoService echo = EchoService.start(runtime);
                try (PeerSocket peer = PeerSocket.connect(echo.address())) {
                    peer.write("r" + i);
                    assertEquals("r" + i, peer.readString(("r" + i).length()));
                }
            }
        }
    }

    // ---- every topic, on this backend -----------------------------------------------------------

    @Nested
    @DisplayName("echo integrity")
    class Echo extends EchoContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("push receive and futureless send")
    class Push extends PushContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("bulk transfers: queued sends written together")
    class BulkTransfers extends BulkTransferContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("files: AsyncFile and sendFile")
    class Files extends FilesContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("zero-copy sends")
    class ZeroCopySends extends ZeroCopySendContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("datagrams (UDP)")
    class Datagrams extends DatagramContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("buffer ownership")
    class Ownership extends OwnershipContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("seeded chaos: cancels, timeouts, closes and misuse")
    class Chaos extends ChaosContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("receive buffering")
    class ReceiveBuffering extends ReceiveBufferingContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("backpressure")
    class Backpressure extends BackpressureContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("peer reset")
    class Reset extends ResetContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("in-place receive and send")
    class InPlace extends InPlaceContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("half-close")
    class HalfClose extends HalfCloseContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("timeouts and cancellation")
    class TimeoutCancel extends TimeoutCancelContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("close with operations in flight")
    class Close extends CloseContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("concurrent senders")
    class ConcurrentSend extends ConcurrentSendContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("10,000 connections")
    class ManyConnections extends ManyConnectionsContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("listener accept")
    class Accept extends ListenerContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("accept through an fd spike")
    class FdSpike extends FdSpikeContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("buffer memory cap")
    class BufferCap extends BufferCapContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("errors name syscall and errno")
    class Errors extends ErrorContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("futures users cannot corrupt")
    class FutureMisuse extends FutureMisuseContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("blocked-loop detector")
    class BlockedLoop extends BlockedLoopContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("send deadlines")
    class SendDeadlines extends SendDeadlineContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("writability")
    class Writability extends WritabilityContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("segmented buffer over sockets")
    class SegmentedBuffers extends SegmentedBufferContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("stats and JFR events")
    class Observability extends ObservabilityContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("socket options and abort")
    class SocketOptions extends SocketOptionsContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("the API documentation's examples")
    class Snippets extends SnippetsContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("blocking streams on virtual threads")
    class BlockingStreams extends BlockingStreamContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("Unix domain sockets: names, files, addresses, options")
    class UnixSockets extends UnixSocketContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }

    @Nested
    @DisplayName("Unix domain sockets: streams, many connections, a client that never reads")
    class UnixStreams extends UnixStreamContract {
        @Override
        protected Backend backend() {
            return RuntimeContract.this.backend();
        }
    }
}
