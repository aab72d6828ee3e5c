package io.jring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one stream's pattern in randomly sized pieces through every send form, while it
 * cancels, sets deadlines that expire and misuses buffers at random; ends with
 * shutdownOutput (and checks that a send after it fails), or closes the connection mid-stream.
 */
final class ChaosSender extends ChaosActor {
    private static final int MAX_PIECE = 40_000;
    private final int totalSteps;
    /** Whether this stream gets cancels and deadlines on its sends: each ends its checked prefix, so only half do. */
    private final boolean breaksSends;
    private final int blockSize;

    ChaosSender(ChaosRun run, ChaosLink link, Connection connection, ChaosStream stream, SplittableRandom random,
                int closeAtStep) {
        super(run, link, connection, stream, random, "sender " + stream.name, closeAtStep);
        this.totalSteps = 10 + random.nextInt(50);
        this.breaksSends = random.nextBoolean();
        IoBuffer probe = connection.allocate();
        this.blockSize = probe.capacity();
        probe.release();
    }

    @Override
    void step() {
        if (steps == closeAtStep) {
            closeMidStream();
            return;
        }
        if (steps == totalSteps) {
            shutDown();
            return;
        }
        steps++;
        if (random.nextInt(10) == 0) {
            misuseReleasedBuffer();
        }
        // Sometimes several sends at once: they queue, and cancels hit queued ones too.
        int burst = random.nextInt(6) == 0 ? 2 + random.nextInt(3) : 1;
        CompletableFuture<Void> last = null;
        for (int i = 0; i < burst; i++) {
            last = sendPiece();
        }
        doing("waiting for send " + steps);
        last.whenComplete((ignored, error) -> run.guard(name, () -> {
            // Cancels from inside a completion stage: often a receive, rarely a send (each breaks a stream).
            if (random.nextInt(3) == 0) {
                run.cancelSomeoneElse(false, random.nextInt());
            } else if (random.nextInt(16) == 0) {
                run.cancelSomeoneElse(true, random.nextInt());
            }
            if (error == null || isOurOwnDoing(error)) {
                if (random.nextInt(8) == 0) {
                    nextAfter(500 + random.nextInt(4000)); // a quiet moment: the receiver's recvs wait in the kernel
                } else {
                    next();
                }
            } else {
                stoppedBy(error);
            }
        }));
    }

    /** One piece, through a random form; its bytes are the stream's next ones whatever happens to it. */
    private CompletableFuture<Void> sendPiece() {
        int size = Payloads.size(random, 1, MAX_PIECE);
        CompletableFuture<Void> sent;
        long start;
        String form;
        switch (random.nextInt(4)) {
            case 0 -> {
                size = Math.min(size, blockSize);
                start = stream.claim(size);
                IoBuffer buffer = filled(start, size);
                boolean timed = breaksSends && random.nextInt(4) == 0;
                form = timed ? "send(IoBuffer, deadline)" : "send(IoBuffer)";
                sent = timed ? connection.send(buffer, deadline()) : connection.send(buffer);
                if (random.nextInt(6) == 0) {
                    // The send owns it now: touching it must fail at the call and change nothing.
                    run.expectIllegalState(name, "release() of a buffer a send took", buffer::release);
                    run.expectIllegalState(name, "write() into a buffer a send took", () -> buffer.write(new byte[1]));
                }
            }
            case 1 -> {
                int count = 1 + random.nextInt(4);
                IoBuffer[] buffers = new IoBuffer[count];
                start = -1;
                size = 0;
                for (int i = 0; i < count; i++) {
                    int piece = 1 + random.nextInt(blockSize);
                    long at = stream.claim(piece);
                    start = i == 0 ? at : start;
                    size += piece;
                    buffers[i] = filled(at, piece);
                }
                if (random.nextInt(8) == 0) {
                    // The same buffer twice: refused at the call, and none taken (the real sendv follows).
                    run.expectIllegalState(name, "sendv() of one buffer twice",
                            () -> connection.sendv(buffers[0], buffers[count - 1], buffers[0]));
                }
                form = "sendv(" + count + " buffers)";
                sent = connection.sendv(buffers);
            }
            case 2 -> {
                start = stream.claim(size);
                byte[] bytes = new byte[size];
                Payloads.fillPattern(MemorySegment.ofArray(bytes), start);
                form = "send(byte[])";
                sent = connection.send(bytes);
            }
            default -> {
                start = stream.claim(size);
                // A confined arena freed right after the call: the send must have copied it.
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment segment = arena.allocate(size);
                    Payloads.fillPattern(segment, start);
                    form = "send(MemorySegment)";
                    sent = connection.send(segment);
                }
            }
        }
        String what = name + " " + form + " of " + size + " bytes at offset " + start;
        if (breaksSends) {
            run.sendInFlight(what, connection, sent); // other actors may cancel it too
        } else {
            run.privately(what, sent);
        }
        long from = start;
        sent.whenComplete((ignored, error) -> {
            if (error != null) {
                stream.sendFailed(from, unwrap(error));
            }
        });
        if (breaksSends) {
            injectCancel(sent);
        }
        return sent;
    }

    private void injectCancel(CompletableFuture<Void> sent) {
        switch (random.nextInt(12)) {
            case 0 -> run.cancel(connection, sent);
            case 1 -> run.later(random.nextInt(2000), name, () -> run.cancel(connection, sent));
            default -> { }
        }
    }

    private IoBuffer filled(long streamOffset, int size) {
        IoBuffer buffer = connection.allocate();
        MemorySegment bytes = MemorySegment.ofArray(new byte[size]);
        Payloads.fillPattern(bytes, streamOffset);
        return buffer.write(bytes);
    }

    /** A released buffer refuses every use, at the call, and nothing reaches the connection. */
    private void misuseReleasedBuffer() {
        IoBuffer buffer = connection.allocate().write(new byte[] {1, 2, 3});
        buffer.release();
        run.expectIllegalState(name, "toByteArray() after release()", buffer::toByteArray);
        run.expectIllegalState(name, "send() of a released buffer", () -> connection.send(buffer));
        run.expectIllegalState(name, "release() twice", buffer::release);
    }

    /** The clean end: FIN after every send, then a send that must fail rather than hang or succeed. */
    private void shutDown() {
        doing("shutting down output");
        CompletableFuture<Void> shut = run.privately(name + " shutdownOutput()", connection.shutdownOutput());
        shut.whenComplete((ignored, error) -> run.guard(name, () -> {
            if (error != null) {
                stoppedBy(error);
                return;
            }
            CompletableFuture<Void> late = run.privately(name + " send after shutdownOutput",
                    connection.send(new byte[] {42}));
            doing("sending after shutdownOutput");
            late.whenComplete((v, lateError) -> run.guard(name, () -> {
                if (lateError == null) {
                    run.problem(name + ": a send after shutdownOutput() succeeded");
                }
                finish("shut down output after " + steps + " steps");
            }));
        }));
    }
}
