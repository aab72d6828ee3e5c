package io.jring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.util.SplittableRandom;

/**
 * The plain-socket end of a link: one thread writes its stream's pattern in random pieces
 * (and, on some links, resets the connection partway), another reads and checks the jring
 * side's stream until end of stream. Blocking sockets, so it shares no code with the runtime.
 */
final class ChaosPeer {
    /** A read that waits this long means the jring side stopped sending without closing: a hang. */
    private static final int READ_TIMEOUT_MILLIS = 15_000;

    private final ChaosRun run;
    final ChaosLink link;
    private final PeerSocket socket;
    private final ChaosStream outgoing;
    private final ChaosStream incoming;
    private final SplittableRandom writerRandom;
    private final SplittableRandom readerRandom;
    /** The piece before which the writer resets the connection, or -1. */
    private final int resetAtPiece;
    private final int pieces;
    private Thread writer;
    private Thread reader;

    ChaosPeer(ChaosRun run, ChaosLink link, PeerSocket socket, ChaosStream outgoing, ChaosStream incoming,
              SplittableRandom random, boolean resets) throws IOException {
        this.run = run;
        this.link = link;
        this.socket = socket;
        this.outgoing = outgoing;
        this.incoming = incoming;
        this.writerRandom = random.split();
        this.readerRandom = random.split();
        this.pieces = 10 + random.nextInt(50);
        this.resetAtPiece = resets ? random.nextInt(pieces) : -1;
        socket.socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    }

    void start() {
        String suffix = " [seed " + run.seed + "]";
        writer = Thread.ofPlatform().name("chaos-peer-writer").daemon().start(() -> run.guard("peer writer " + outgoing.name + suffix, this::write));
        reader = Thread.ofPlatform().name("chaos-peer-reader").daemon().start(() -> run.guard("peer reader " + incoming.name + suffix, this::read));
    }

    boolean isDone() {
        return !writer.isAlive() && !reader.isAlive();
    }

    private void write() {
        try {
            for (int piece = 0; piece < pieces; piece++) {
                if (piece == resetAtPiece) {
                    link.disrupt("peer reset it after " + piece + " pieces");
                    socket.reset();
                    return;
                }
                int size = Payloads.size(writerRandom, 1, 40_000);
                long start = outgoing.claim(size);
                byte[] bytes = new byte[size];
                Payloads.fillPattern(MemorySegment.ofArray(bytes), start);
                try {
                    socket.write(bytes);
                } catch (IOException e) {
                    outgoing.sendFailed(start, e);
                    expectDisrupted("peer write", e);
                    return;
                }
            }
            socket.socket.shutdownOutput();
        } catch (IOException e) {
            expectDisrupted("peer shutdownOutput", e);
        }
    }

    private void read() {
        byte[] chunk = new byte[64 * 1024];
        try {
            while (true) {
                int got = socket.in.read(chunk, 0, 1 + readerRandom.nextInt(chunk.length));
                if (got < 0) {
                    incoming.endOfStream();
                    return;
                }
                incoming.received(chunk, 0, got);
            }
        } catch (SocketTimeoutException e) {
            run.problem("peer reader " + incoming.name + " [seed " + run.seed + "]: nothing for "
                    + READ_TIMEOUT_MILLIS + " ms after " + incoming.received() + " bytes: the jring side hung");
            incoming.receiverStopped("read timed out");
        } catch (IOException e) {
            incoming.receiverStopped("stopped by " + e);
            expectDisrupted("peer read", e);
        }
    }

    private void expectDisrupted(String what, IOException e) {
        // The reset or close that explains it may be marked a moment later: judged at the end.
        if (!link.disrupted()) {
            unexpected = what + " failed: " + e;
        }
    }

    /** A failure seen before the link was known to be disrupted; a problem if it never was. */
    volatile String unexpected;

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing for cleanup
        }
    }

    @Override
    public String toString() {
        return "peer of " + link + ": writer " + (writer.isAlive() ? "running" : "done")
                + ", reader " + (reader.isAlive() ? "running" : "done");
    }
}
