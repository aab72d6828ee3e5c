package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The runtime's buffer memory cap over real sockets: peers that never read while the server
 * keeps sending cannot grow the pools past it (allocate fails clearly instead), a recv that
 * finds no block fails alone without losing a byte, and once the peers are gone the blocks come
 * back and the grown slabs are unmapped, down to each loop's first slab.
 */
public abstract class BufferCapContract extends RuntimeTestBase {
    private static final int BLOCK = 4096;
    private static final int PER_SLAB = 16;
    private static final long SLAB = (long) BLOCK * PER_SLAB;
    private static final long CAP = 4 * SLAB; // 256 KiB: the core and three grown slabs

    private IoRuntime openCapped() throws Exception {
        return open(IoRuntimeOptions.defaults().withThreads(1).withBuffers(BLOCK, PER_SLAB, 8).withMaxBufferMemory(CAP));
    }

    /** Sends from every connection while the pool gives blocks; resumes them all as any send completes. Loop thread only. */
    private static final class GreedySenders {
        final IoRuntime runtime;
        final List<Connection> connections = new ArrayList<>();
        final ConcurrentLinkedQueue<BufferPoolExhaustedException> refusals = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Throwable> sendErrors = new ConcurrentLinkedQueue<>();
        final AtomicLong bytesSent = new AtomicLong();
        final AtomicLong mostMapped = new AtomicLong();
        final byte[] chunk = new byte[BLOCK];

        GreedySenders(IoRuntime runtime) {
            this.runtime = runtime;
        }

        private int next;

        void add(Connection connection) {
            connections.add(connection);
            // The peers never send: a recv ends only when they reset (or with the pool's refusal
            // then, if no block is left to read the reset with). Either way the connection is done.
            connection.recv().whenComplete((buffer, error) -> {
                if (buffer != null) {
                    buffer.release();
                }
                connection.close();
            });
            pumpAll();
        }

        /** Each connection in turn, starting one further each time, so none is starved for good. */
        void pumpAll() {
            int n = connections.size();
            next = (next + 1) % n;
            for (int i = 0; i < n; i++) {
                if (!pump(connections.get((next + i) % n))) {
                    return; // the pool is at its cap: the next completed send resumes everyone
                }
            }
        }

        private boolean pump(Connection connection) {
            while (connection.isOpen()) {
                IoBuffer buffer;
                try {
                    buffer = connection.allocate();
                } catch (BufferPoolExhaustedException e) {
                    refusals.add(e);
                    return false;
                } finally {
                    mostMapped.accumulateAndGet(runtime.bufferMemory(), Math::max);
                }
                buffer.write(chunk);
                connection.send(buffer).whenComplete((ok, error) -> {
                    if (error != null) {
                        sendErrors.add(error);
                        connection.close();
                    } else {
                        bytesSent.addAndGet(BLOCK);
                        // As a task, not right here: on epoll a send may complete inside send(),
                        // and resuming from this stage would recurse until the stack overflows.
                        connection.executor().execute(this::pumpAll);
                    }
                });
            }
            return true;
        }
    }

    @Test
    void peersThatNeverReadKeepTheServerAtTheCapAndItShrinksWhenTheyLeave() throws Exception {
        IoRuntime runtime = openCapped();
        int baseline = idleBaseline(runtime);
        assertEquals(SLAB, runtime.bufferMemory(), "one loop: its first slab only");
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        GreedySenders senders = new GreedySenders(runtime);
        listener.onAccept(senders::add); // on the loop thread, as every completion is
        List<PeerSocket> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            peers.add(closeLater(PeerSocket.connectWithReceiveBuffer(listener.localAddress(), 16 * 1024)));
        }

        // Sends go on while the kernel takes them, then stall behind the peers' full windows.
        Await.until(() -> !senders.refusals.isEmpty() && senders.bytesSent.get() >= 1 << 20, 30_000,
                () -> "refusals " + senders.refusals.size() + ", bytes sent " + senders.bytesSent.get());
        assertTrue(senders.sendErrors.isEmpty(), () -> "send failed: " + senders.sendErrors.peek());
        assertTrue(senders.mostMapped.get() <= CAP, () -> "pools mapped " + senders.mostMapped.get() + " > cap " + CAP);
        assertTrue(runtime.bufferMemory() <= CAP);
        assertTrue(runtime.buffersInUse() <= CAP / BLOCK);
        String message = senders.refusals.peek().getMessage();
        assertTrue(message.contains("cap of 256 KiB") && message.contains("IoRuntimeOptions.withMaxBufferMemory")
                && message.contains("-Djring.buffers.maxMemory"), message);

        for (PeerSocket peer : peers) {
            peer.reset(); // the stalled sends fail, their connections close and give every block back
        }
        Await.until(() -> senders.connections.size() == 4 && senders.connections.stream().noneMatch(Connection::isOpen),
                30_000, () -> "server connections still open after the peers reset");
        assertBuffersBackTo(runtime, baseline);
        Await.until(() -> runtime.bufferMemory() == SLAB, 10_000,
                () -> "grown slabs not freed: " + runtime.bufferMemory() + " bytes still mapped");
    }

    @Test
    void aRecvThatFindsNoBlockFailsAloneAndTheNextGetsEveryByte() throws Exception {
        IoRuntime runtime = openCapped();
        int baseline = idleBaseline(runtime);
        Pair holder = accepted(runtime);
        List<IoBuffer> held = new ArrayList<>();
        try {
            while (true) {
                held.add(holder.connection().allocate());
            }
        } catch (BufferPoolExhaustedException expected) {
            // every block the cap allows is held now (the provided-buffer ring keeps its own)
        }
        assertTrue(runtime.bufferMemory() <= CAP);

        // Each connection receives into a block of the loop's provided-buffer ring (io_uring) or
        // of the pool (epoll) while any is left; the first that finds none must fail, alone.
        Pair starved = null;
        Throwable failure = null;
        String message = null;
        for (int i = 0; i < 20 && starved == null; i++) {
            Pair pair = accepted(runtime);
            message = "message-" + i;
            pair.peer().write(message);
            CompletableFuture<IoBuffer> recv = pair.connection().recv();
            try {
                IoBuffer got = recv.get(30, TimeUnit.SECONDS);
                assertEquals(message, got.toString(java.nio.charset.StandardCharsets.UTF_8));
                held.add(got);
            } catch (ExecutionException e) {
                starved = pair;
                failure = e.getCause();
            }
        }
        assertNotNull(starved, "no recv failed although every block was held");
        assertInstanceOf(BufferPoolExhaustedException.class, failure);
        assertTrue(failure.getMessage().contains("cap of 256 KiB"), failure.getMessage());
        assertTrue(starved.connection().isOpen(), "one failed recv must not close the connection");

        held.forEach(IoBuffer::release);
        String expected = message;
        IoBuffer again = Await.get(starved.connection().recv());
        assertEquals(expected, again.toString(java.nio.charset.StandardCharsets.UTF_8), "the bytes waited in the socket");
        again.release();
        starved.peer().write("and more");
        IoBuffer more = Await.get(starved.connection().recv());
        assertEquals("and more", more.toString(java.nio.charset.StandardCharsets.UTF_8));
        more.release();
        assertBuffersBackTo(runtime, baseline);
    }
}
