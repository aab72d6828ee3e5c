package io.jring;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The runtime's connection-level contract topics (the same classes {@link RuntimeContract}
 * nests), run over TLS: every connection a topic gets from {@link #accept(Listener)} is a
 * {@code Tls.server} connection and every peer from {@link #connectPeer} an {@code SSLSocket}
 * (see {@link TlsWire}). A backend's test is one class naming the backend, as for the plain suite.
 *
 * <p>Tests of a topic that cannot apply over TLS are overridden below without {@code @Test}, with
 * the reason: JUnit runs an overriding method only if it is annotated itself, so they are left
 * out rather than reported as skipped.
 */
public abstract class TlsRuntimeContract {
    private static final Wire TLS13 = new TlsWire("TLSv1.3");

    /** Why a test of a topic is left to the plain suite: it makes no connection through the wire. */
    static final String PLAIN_ONLY = "plain TCP only (the runtime's EchoService, runtime.connect, or the listener"
            + " itself): no connection of this test goes through the wire, and the plain suite runs it";
    static final String LISTENER_LEVEL = "accept and connect deadlines and cancels act below TLS, on the listener"
            + " and the TCP connect; the plain suite runs them";

    static final String MID_RECORD = "a send that times out after part of its records went out leaves a torn"
            + " record: a TLS stream cannot resume mid-record, so the connection closes (documented in"
            + " TlsConnection), where these tests expect it open";

    /** The backend every runtime of this suite runs on. */
    protected abstract Backend backend();

    @Nested
    @DisplayName("echo integrity, over TLS")
    class Echo extends EchoContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void apiClientAndServerOnOneRuntime() {
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void echoesEveryByteToApiClients(int connections) {
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void echoesEveryByteToSocketClients(int connections) {
        }
    }

    @Nested
    @DisplayName("receive buffering, over TLS")
    class ReceiveBuffering extends ReceiveBufferingContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void aStarvedProvidedBufferRingSlowsDownButDeliversEverything() {
        }
    }

    @Nested
    @DisplayName("backpressure, over TLS")
    class Backpressure extends BackpressureContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: "TLS cannot send a segment without pooled buffers: its ciphertext (up to 64 KiB at a time) waits in pooled blocks until written"
        @Override
        void largeSegmentSendCompletesOnlyWhenThePeerHasDrainedIt() {
        }
    }

    @Nested
    @DisplayName("peer reset, over TLS")
    class Reset extends ResetContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void resetsDuringEchoDoNotDisturbOtherConnections() {
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void pendingRecvOnClientConnectionFailsWithConnectionReset() {
        }
    }

    @Nested
    @DisplayName("half-close under TLS 1.3, over TLS")
    class HalfClose extends HalfCloseContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: "a send after shutdownOutput fails in the TLS layer (ConnectionClosedException: close_notify was sent) before the kernel can say EPIPE; TlsStreamTest checks the TLS form"
        @Override
        void ourShutdownOutputDeliversQueuedBytesThenEndOfStream() {
        }
    }

    @Nested
    @DisplayName("timeouts and cancellation, over TLS")
    class TimeoutCancel extends TimeoutCancelContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: LISTENER_LEVEL
        @Override
        void connectWithDeadlineToAFullBacklogTimesOut() {
        }

        // Not over TLS: LISTENER_LEVEL
        @Override
        void cancelledAcceptEndsAndTheListenerKeepsAccepting() {
        }

        // Not over TLS: LISTENER_LEVEL
        @Override
        void acceptWithDeadlineTimesOutThenAcceptsLaterClients() {
        }
    }

    @Nested
    @DisplayName("concurrent senders, over TLS")
    class ConcurrentSend extends ConcurrentSendContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }
    }

    @Nested
    @DisplayName("send deadlines, over TLS")
    class SendDeadlines extends SendDeadlineContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: MID_RECORD
        @Override
        void segmentSendWithDeadlineTimesOutInTheKernelAndTheConnectionStillReceives() {
        }

        // Not over TLS: MID_RECORD
        @Override
        void sendvWithDeadlineTimesOutInTheKernelAndReleasesEveryBuffer() {
        }
    }

    @Nested
    @DisplayName("writability, over TLS")
    class Writability extends WritabilityContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }
    }

    @Nested
    @DisplayName("segmented buffer over sockets, over TLS")
    class SegmentedBuffers extends SegmentedBufferContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }
    }

    @Nested
    @DisplayName("buffer ownership, over TLS")
    class Ownership extends OwnershipContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: "the TLS layer encrypts out of the caller's buffer on the loop and never hands it to the kernel; marking a buffer taken, lent or foreign needs runtime internals (README, TLS, Not done yet)"
        @Override
        void releasingABufferASendTookThrowsAtTheCallAndTheLoopKeepsServing() {
        }

        // Not over TLS: "the TLS layer encrypts out of the caller's buffer on the loop and never hands it to the kernel; marking a buffer taken, lent or foreign needs runtime internals (README, TLS, Not done yet)"
        @Override
        void aBufferLentToARecvIsRefusedUntilItCompletes() {
        }

        // Not over TLS: "the TLS layer encrypts out of the caller's buffer on the loop and never hands it to the kernel; marking a buffer taken, lent or foreign needs runtime internals (README, TLS, Not done yet)"
        @Override
        void sendvRefusesTheSameBufferTwiceAndTakesNone() {
        }

        // Not over TLS: "the TLS layer encrypts out of the caller's buffer on the loop and never hands it to the kernel; marking a buffer taken, lent or foreign needs runtime internals (README, TLS, Not done yet)"
        @Override
        void aBufferOfAClosedRuntimeNeverReachesTheKernel() {
        }

        // Not over TLS: "the TLS layer encrypts out of the caller's buffer on the loop and never hands it to the kernel; marking a buffer taken, lent or foreign needs runtime internals (README, TLS, Not done yet)"
        @Override
        void aBufferOfAnotherLiveRuntimeIsRefusedAndKeepsItsBytes() {
        }

        // Not over TLS: "a TLS connection asks for the peer's address when it starts, to name the peer in its errors, so the address is always known after close"
        @Override
        void addressesAreKnownWhileOpenAndRefusedAfterCloseIfNeverAsked() {
        }
    }

    @Nested
    @DisplayName("blocking streams on virtual threads, over TLS")
    class BlockingStreams extends BlockingStreamContract {
        @Override
        protected Backend backend() {
            return TlsRuntimeContract.this.backend();
        }

        @Override
        protected Wire wire() {
            return TLS13;
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void aThousandVirtualThreadsEachWithAConnection() {
        }

        // Not over TLS: LISTENER_LEVEL
        @Override
        void anAcceptTimeoutThrowsSocketTimeoutExceptionAndTheListenerGoesOn() {
        }

        // Not over TLS: PLAIN_ONLY
        @Override
        void roundTripsAreByteExactUpToTenMebibytes() {
        }
    }
}
