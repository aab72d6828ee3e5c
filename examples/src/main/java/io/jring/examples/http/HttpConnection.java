package io.jring.examples.http;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.SegmentedBuffer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One client connection: receive into a {@link SegmentedBuffer}, parse every complete request
 * in it, answer them in order through a {@link ResponseWriter}, and receive again.
 *
 * <p>Everything runs on the connection's loop thread (futures complete there), so the state
 * needs no locks, and nothing here may block. Three rules keep one client from hurting the
 * others: the headers of a request must arrive within {@code headerTimeout}, and its body within
 * {@code max(bodyTimeout, size / minBodyRate)} with no pause longer than {@code headerTimeout}
 * (else 408); while the unsent output is over {@code maxUnsent} the connection neither reads nor
 * answers, and if it stays stuck there for {@code sendTimeout} the client is not reading and is
 * cut off; and any error in here closes this connection, never the loop.
 *
 * <p>The head and body clocks count only time spent waiting for the client's bytes, in total
 * over all the pieces they arrive in: trickling does not restart them, and time the server spends
 * not reading (its output full) is not held against the client.
 */
final class HttpConnection {
    /** After the last response: how long to wait for each piece the client still sends, in all, and how much to drop. */
    private static final Duration LINGER = Duration.ofSeconds(1);
    private static final Duration LINGER_TOTAL = Duration.ofSeconds(5);
    private static final long LINGER_BYTES = 1 << 20;

    /** Why answering stopped. */
    private enum Stop { NEED_INPUT, OUTPUT_FULL, DONE }

    /** What the client is expected to be sending, each part with its own allowance of waiting. */
    private enum Part { HEAD, BODY }

    private final Connection connection;
    private final ServerConfig config;
    private final Routes routes;
    private final SegmentedBuffer in;
    private final RequestParser parser;
    private final ResponseWriter out;

    private boolean receiving;         // a recv is in flight
    private boolean inputEnded;        // the client shut down its output (FIN)
    private boolean closeAfterOutput;  // a response said Connection: close
    private boolean finishing;         // all output queued; FIN follows it
    private boolean closed;
    private boolean sendFailed;
    private boolean waitingForOutput;
    private long waitingSince;
    private boolean stallCheckArmed;
    private Part awaited = Part.HEAD;  // the part the waiting below is counted against
    private long waitedNanos;          // time spent in receives for that part so far
    private long receiveStartedAt;     // System.nanoTime() when the receive in flight began
    private boolean processing;
    private boolean again;
    private long lingered;
    private long lingerDeadline;

    HttpConnection(Connection connection, ServerConfig config, Routes routes) {
        this.connection = connection;
        this.config = config;
        this.routes = routes;
        this.in = new SegmentedBuffer(connection::allocate);
        this.parser = new RequestParser(config.maxBody());
        this.out = new ResponseWriter(connection, config.maxUnsent(), this::onSent);
    }

    void start() {
        process();
    }

    /**
     * Runs {@link #step} until nothing changes. A callback that fires while it runs (a send on
     * a connection closed meanwhile completes at once, on this stack) only asks for another round.
     */
    private void process() {
        if (processing) {
            again = true;
            return;
        }
        processing = true;
        try {
            do {
                again = false;
                step();
            } while (again && !closed);
        } catch (Throwable t) {
            // A bug here must cost one connection, not the loop and everyone on it.
            System.err.println("http: closing " + connection + " after an error: " + t);
            abort();
        } finally {
            processing = false;
        }
    }

    private void step() throws IOException {
        if (closed) {
            return;
        }
        if (sendFailed) {
            abort(); // the client reset the connection: nobody is left to answer
            return;
        }
        if (finishing) {
            return;
        }
        Stop stop = answer();
        out.flush();
        switch (stop) {
            case OUTPUT_FULL -> awaitOutput();
            case DONE -> finish();
            case NEED_INPUT -> {
                waitingForOutput = false;
                if (inputEnded) {
                    finish(); // what is left in the buffer is a request that will never be complete
                } else {
                    receive();
                }
            }
        }
    }

    /** Answers every complete request in the buffer, in order, while the output has room. */
    private Stop answer() throws IOException {
        while (true) {
            if (!out.pump()) {
                return Stop.OUTPUT_FULL;
            }
            if (closeAfterOutput) {
                return Stop.DONE;
            }
            if (out.outstanding() >= config.maxUnsent()) {
                return Stop.OUTPUT_FULL;
            }
            Request request;
            try {
                request = parser.next(in);
            } catch (HttpError e) {
                reject(e.status(), e.getMessage());
                continue;
            }
            if (request == null) {
                if (parser.takeContinue()) {
                    out.writeContinue();
                }
                return Stop.NEED_INPUT;
            }
            awaited = Part.HEAD; // the next request's head gets a fresh allowance
            waitedNanos = 0;
            Response response = routes.respond(request);
            if (request.method().equals("HEAD")) {
                response = response.asHead();
            }
            if (!request.keepAlive()) {
                out.add(response.withConnection("close"));
                closeAfterOutput = true;
            } else {
                // HTTP/1.0 closes after each response unless both sides say keep-alive.
                out.add(request.http11() ? response : response.withConnection("keep-alive"));
            }
        }
    }

    /** Bad input: answer it, then close, since where the next request would start is unknown. */
    private void reject(int status, String why) {
        out.add(Response.error(status, why).withConnection("close"));
        closeAfterOutput = true;
    }

    private void receive() {
        if (receiving || inputEnded || finishing || closed) {
            return;
        }
        Part part = parser.readingHead() ? Part.HEAD : Part.BODY;
        if (part != awaited) {
            awaited = part; // the head is in: the body's clock starts from zero
            waitedNanos = 0;
        }
        // What is left of this part's allowance, however it has been sliced into packets so far.
        long left = allowance().toNanos() - waitedNanos;
        if (left <= 0) {
            timedOut();
            return;
        }
        if (part == Part.BODY) {
            left = Math.min(left, config.headerTimeout().toNanos()); // and no single pause longer than that
        }
        receiving = true;
        receiveStartedAt = System.nanoTime();
        connection.recv(Duration.ofNanos(left)).whenComplete(this::onReceived);
    }

    /** The waiting allowed for the part being received; a chunked body's grows as its chunks are announced. */
    private Duration allowance() {
        return awaited == Part.HEAD ? config.headerTimeout() : config.bodyAllowance(parser.bodyBytesAnnounced());
    }

    private void onReceived(IoBuffer buffer, Throwable error) {
        receiving = false;
        waitedNanos += System.nanoTime() - receiveStartedAt;
        if (closed || finishing) {
            if (buffer != null) {
                buffer.release();
            }
            return;
        }
        if (error != null) {
            if (unwrap(error) instanceof TimeoutException) {
                timedOut();
            } else {
                abort(); // reset by the client, or closed under us
            }
            return;
        }
        if (buffer.isEndOfStream()) {
            inputEnded = true;
        } else {
            in.append(buffer);
        }
        process();
    }

    private void timedOut() {
        if (parser.idle(in)) {
            abort(); // an idle keep-alive connection: nothing was asked, so nothing to answer
            return;
        }
        if (awaited == Part.HEAD) {
            reject(408, "request head not received within " + config.headerTimeout().toMillis() + " ms");
        } else {
            reject(408, "request body too slow: " + parser.bodyBytesReceived() + " of " + parser.bodyBytesAnnounced()
                    + " bytes after " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms (allowed: "
                    + allowance().toMillis() + " ms in all, pauses up to " + config.headerTimeout().toMillis() + " ms)");
        }
        process();
    }

    private void onSent(Throwable error) {
        if (error != null) {
            sendFailed = true;
        }
        if (!closed) {
            process();
        }
    }

    /**
     * The output is full: stop reading and answering until sends complete. Sends complete only
     * as the client reads, so output stuck there past the send timeout means a client that does
     * not read, holding up to maxUnsent of our memory: cut it off.
     */
    private void awaitOutput() {
        if (!waitingForOutput) {
            waitingForOutput = true;
            waitingSince = System.nanoTime();
        }
        armStallCheck(config.sendTimeout().toNanos());
    }

    private void armStallCheck(long delayNanos) {
        if (stallCheckArmed || closed) {
            return;
        }
        stallCheckArmed = true;
        // The runtime has no timer of its own to offer; the JDK's delayer thread only hands the
        // check back to this connection's loop, where the state lives.
        CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, connection.executor())
                .execute(this::checkStall);
    }

    private void checkStall() {
        stallCheckArmed = false;
        if (closed || !(waitingForOutput || finishing) || out.unsent() == 0) {
            return;
        }
        long stuckSince = Math.max(waitingSince, out.lastProgressNanos());
        long left = stuckSince + config.sendTimeout().toNanos() - System.nanoTime();
        if (left <= 0) {
            abort();
        } else {
            armStallCheck(left);
        }
    }

    /** Every response is queued: send FIN after them, then wait for the client to close its side. */
    private void finish() {
        if (finishing || closed) {
            return;
        }
        finishing = true;
        in.release();
        parser.release();
        connection.shutdownOutput().whenComplete((ok, error) -> {
            if (error != null || inputEnded) {
                abort();
            } else {
                linger();
            }
        });
        if (out.unsent() > 0) {
            awaitOutput(); // a client that never reads would otherwise hold the FIN back forever
        }
    }

    /**
     * Reads and drops what the client still sends until it closes too. Closing with unread
     * input makes the kernel send RST, and a RST can destroy the error response (say, a 413 to
     * a client still uploading) before the client has read it.
     */
    private void linger() {
        long now = System.nanoTime();
        if (lingerDeadline == 0) {
            lingerDeadline = now + LINGER_TOTAL.toNanos();
        }
        long left = Math.min(LINGER.toNanos(), lingerDeadline - now);
        if (left <= 0) {
            abort();
            return;
        }
        connection.recv(Duration.ofNanos(left)).whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                abort();
                return;
            }
            lingered += buffer.readableBytes();
            buffer.release();
            if (lingered > LINGER_BYTES) {
                abort();
            } else {
                linger();
            }
        });
    }

    /** Closes now: the runtime cancels what is in flight and releases its buffers; we release ours. */
    private void abort() {
        if (closed) {
            return;
        }
        closed = true;
        in.release();
        parser.release();
        out.release();
        connection.close();
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
