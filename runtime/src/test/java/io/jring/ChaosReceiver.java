package io.jring;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Receives one stream through every receive form until end of stream, checking each byte,
 * while it cancels receives (at once, from other threads, from other actors' stages), gives
 * them deadlines that expire, and misuses buffers. None of that may lose a byte: what a
 * cancelled or timed-out receive would have returned goes to the next one.
 */
final class ChaosReceiver extends ChaosActor {
    /** Bytes written into a recv(into) buffer before the call: the receive must append after them. */
    private static final byte[] MARKER = {'m', 'a', 'r', 'k'};

    ChaosReceiver(ChaosRun run, ChaosLink link, Connection connection, ChaosStream stream, SplittableRandom random,
                  int closeAtStep) {
        super(run, link, connection, stream, random, "receiver " + stream.name, closeAtStep);
    }

    /** How one receive ended, as far as the actor's chain cares. */
    private enum Outcome { DATA, END_OF_STREAM, OUR_OWN_DOING, STOPPED }

    @Override
    void step() {
        if (steps == closeAtStep) {
            closeMidStream();
            return;
        }
        steps++;
        if (random.nextInt(10) == 0) {
            IoBuffer released = connection.allocate();
            released.release();
            run.expectIllegalState(name, "recv(into) of a released buffer", () -> connection.recv(released));
        }
        // Sometimes two receives at once: they complete in call order, the first one's bytes first.
        if (random.nextInt(6) == 0) {
            receive(false);
        }
        receive(true);
    }

    /** Issues one receive; if it {@code drives} the chain, its stage runs the next step. */
    private void receive(boolean drives) {
        int form = random.nextInt(6);
        boolean timed = form % 2 == 1;
        CompletableFuture<Outcome> outcome = form < 4 ? pooled(timed) : into(timed);
        outcome.whenComplete((result, error) -> {
            if (error != null) { // the actor's own stage threw (a refused release, say): the chain ends
                run.problem(name + ": a receive's stage threw " + unwrap(error));
                finish("its stage threw");
            }
        });
        if (drives) {
            doing("waiting for receive " + steps);
            outcome.thenAccept(result -> run.guard(name, () -> {
                switch (result) {
                    case DATA, OUR_OWN_DOING -> next();
                    case END_OF_STREAM -> afterEndOfStream();
                    case STOPPED -> { } // already finished
                }
            }));
        }
    }

    /** recv() or recv(deadline): a pooled buffer the actor checks and releases. */
    private CompletableFuture<Outcome> pooled(boolean timed) {
        CompletableFuture<IoBuffer> received = timed ? connection.recv(deadline()) : connection.recv();
        String what = name + (timed ? " recv(deadline)" : " recv()") + " at offset " + stream.received();
        run.receiveInFlight(what, connection, received);
        injectCancel(received);
        return received.handle((buffer, error) -> {
            stream.note(timed ? "recv(deadline)" : "recv()", buffer == null ? -1 : buffer.readableBytes(), error);
            if (error != null) {
                return failed(error);
            }
            if (buffer.isEndOfStream()) {
                stream.endOfStream();
                return Outcome.END_OF_STREAM;
            }
            stream.received(buffer.readableSegment());
            buffer.release();
            return Outcome.DATA;
        });
    }

    /** recv(into) or recv(into, deadline) after a marker the receive must leave alone. */
    private CompletableFuture<Outcome> into(boolean timed) {
        IoBuffer into = connection.allocate().write(MARKER);
        CompletableFuture<Integer> received = timed ? connection.recv(into, deadline()) : connection.recv(into);
        String what = name + (timed ? " recv(into, deadline)" : " recv(into)") + " at offset " + stream.received();
        if (random.nextInt(8) == 0) {
            // Lent to a receive still running: refused at the call. Only its own actor may
            // cancel this one, and only on the loop thread, so it cannot end meanwhile.
            run.privately(what, received);
            if (!received.isDone()) {
                run.expectIllegalState(name, "release() of a buffer lent to a running recv", into::release);
                run.expectIllegalState(name, "reading a buffer lent to a running recv", into::toByteArray);
                run.expectIllegalState(name, "recv(into) of a buffer lent to a running recv", () -> connection.recv(into));
                run.expectIllegalState(name, "send() of a buffer lent to a running recv", () -> connection.send(into));
            }
        } else {
            run.receiveInFlight(what, connection, received);
            injectCancel(received);
        }
        return received.handle((count, error) -> {
            // Released however it ended: after a cancel the runtime frees the block once the kernel is done.
            try {
                stream.note(timed ? "recv(into, deadline)" : "recv(into)", count == null ? -1 : count, error);
                if (error != null) {
                    return failed(error);
                }
                if (count < 0) {
                    stream.endOfStream();
                    return Outcome.END_OF_STREAM;
                }
                if (into.readableBytes() != MARKER.length + count
                        || !java.util.Arrays.equals(MARKER, 0, MARKER.length, into.toByteArray(), 0, MARKER.length)) {
                    run.problem(name + ": recv(into) of " + count + " bytes left " + into
                            + "; expected the marker and the bytes after it");
                }
                stream.received(into.readableSegment().asSlice(MARKER.length));
                return Outcome.DATA;
            } finally {
                into.release();
            }
        });
    }

    private Outcome failed(Throwable error) {
        if (isOurOwnDoing(error)) {
            return Outcome.OUR_OWN_DOING;
        }
        stream.receiverStopped("stopped by " + unwrap(error));
        stoppedBy(error);
        return Outcome.STOPPED;
    }

    private void injectCancel(CompletableFuture<?> received) {
        // Short delays land while data is arriving: the cancel then races the kernel's result.
        switch (random.nextInt(10)) {
            case 0 -> run.cancel(connection, received);
            case 1, 2 -> run.later(random.nextInt(300), name, () -> run.cancel(connection, received));
            case 3 -> run.later(random.nextInt(3000), name, () -> run.cancel(connection, received));
            default -> { }
        }
    }

    /** After end of stream, a receive must see it again at once, never data and never a hang. */
    private void afterEndOfStream() {
        doing("receiving again after end of stream");
        CompletableFuture<IoBuffer> again = run.privately(name + " recv() after end of stream", connection.recv());
        again.whenComplete((buffer, error) -> run.guard(name, () -> {
            if (buffer != null && !buffer.isEndOfStream()) {
                run.problem(name + ": a recv after end of stream returned " + buffer.readableBytes() + " bytes");
                buffer.release();
            } else if (error != null && !link.disrupted()) {
                run.problem(name + ": a recv after end of stream failed: " + error);
            }
            finish("end of stream after " + stream.received() + " bytes");
        }));
    }
}
