package io.jring.tls;

import io.jring.Connection;
import io.jring.ConnectionClosedException;
import io.jring.IoBuffer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * A {@link Connection} that speaks TLS over another one, with the JDK's {@link SSLEngine}: what
 * you send is encrypted, what you receive is plaintext, and the API and guarantees are the
 * plain connection's. Made by {@link Tls#server} and {@link Tls#client}, handed to you once the
 * handshake is done.
 *
 * <ul>
 *   <li><b>Buffers.</b> {@code recv()} hands out pooled buffers of plaintext (at most one block's
 *       worth each; a TLS record of up to 16 KiB plus overhead is gathered across network blocks
 *       first). {@code send}/{@code sendv} take their buffers and release them when the send ends.
 *       The TLS layer cannot mark a buffer as taken or lent the way the runtime does (that needs
 *       runtime internals), so do not touch a buffer handed to {@code send} or lent to
 *       {@code recv(into)} until its future completes.
 *   <li><b>Order.</b> Sends are encrypted and leave in call order, one at a time; receives
 *       complete in call order.
 *   <li><b>End of stream.</b> {@code recv()} yields {@link IoBuffer#END_OF_STREAM} only after the
 *       peer's {@code close_notify}. A FIN without it fails the receive with an
 *       {@link javax.net.ssl.SSLException} saying the data may be truncated.
 *   <li><b>Half-close.</b> {@link #shutdownOutput()} sends {@code close_notify} (then a FIN): under
 *       TLS 1.3 the peer may keep sending and you keep receiving. Under TLS 1.2 a peer that gets
 *       {@code close_notify} must answer with its own and stop, and a {@code close_notify} you
 *       receive closes your write side too (later sends fail).
 *   <li><b>Deadlines and cancel.</b> A receive that times out or is cancelled takes nothing: the
 *       plaintext goes to the next receive. A send can be withdrawn while it waits its turn; once
 *       its records are being written it cannot (a cancel returns false), and if its deadline
 *       passes then, the TLS stream cannot resume mid-record, so the connection is closed.
 *   <li><b>Renegotiation</b> (TLS 1.2) is refused: the connection fails and closes. TLS 1.3's
 *       post-handshake messages (session tickets, key updates) are handled.
 * </ul>
 */
public final class TlsConnection implements Connection {
    private static final ByteBuffer[] NOTHING = {};
    /** Ciphertext written per network send: a few blocks, so a 10 MiB send holds little memory. */
    private static final int BATCH_BYTES = 64 << 10;

    private final Connection raw;
    private final SSLEngine engine;
    private final TlsOptions options;
    final LoopThread loop;
    private final TlsFuture<TlsConnection> handshake;
    private final String peer;
    private final TlsBacklog backlog;

    // Everything below is touched on the loop thread only.
    private ByteBuffer netIn;   // ciphertext received, read mode: position..limit not yet unwrapped
    private ByteBuffer plainIn; // plaintext unwrapped, read mode: position..limit not yet delivered
    private ByteBuffer netOut;  // one wrap's output, copied into pooled blocks at once
    private final ArrayDeque<PendingRecv> recvs = new ArrayDeque<>();
    private final ArrayDeque<PendingSend> sends = new ArrayDeque<>();
    private boolean handshakeDone;
    private boolean rawRecvInFlight;
    private boolean rawSendInFlight;
    private boolean tasksRunning;
    private boolean netEnded;        // the peer's FIN arrived
    private boolean inboundDone;     // the peer's close_notify arrived: end of stream
    private Throwable inboundFailure; // every later receive fails with it (truncation)
    private Throwable outboundFailure; // every later send fails with it
    private Throwable failure;        // the connection is broken: everything fails with it
    private volatile boolean closing;
    private CompletableFuture<Void> closed;
    private boolean driving;
    private boolean driveAgain;

    TlsConnection(Connection raw, SSLEngine engine, TlsOptions options) {
        this.raw = raw;
        this.engine = engine;
        this.options = options;
        this.loop = new LoopThread(raw.executor());
        this.handshake = new TlsFuture<>(loop);
        this.backlog = new TlsBacklog(loop);
        this.peer = String.valueOf(raw.remoteAddress());
        SSLSession session = engine.getSession();
        netIn = ByteBuffer.allocate(session.getPacketBufferSize()).flip();
        plainIn = ByteBuffer.allocate(session.getApplicationBufferSize()).flip();
        netOut = ByteBuffer.allocate(session.getPacketBufferSize());
    }

    /** Starts the handshake on the loop; the future completes when it is done, or fails naming why. */
    CompletableFuture<TlsConnection> start() {
        handshake.onCancel(() -> {
            loop.later(() -> breakConnection(new java.util.concurrent.CancellationException("TLS handshake cancelled")));
            return true;
        });
        var deadline = Timers.after(options.handshakeTimeout(), loop, () -> {
            if (!handshake.isDone()) {
                breakConnection(TlsErrors.explain(new TimeoutException("no handshake within "
                        + options.handshakeTimeout() + ": the peer stalled or does not speak TLS; if the network is"
                        + " that slow, raise TlsOptions.withHandshakeTimeout"), peer, true, options.protocols()));
            }
        });
        handshake.whenComplete((c, e) -> deadline.cancel(false));
        loop.later(() -> {
            try {
                engine.beginHandshake();
            } catch (Exception e) {
                breakConnection(TlsErrors.explain(e, peer, true, options.protocols()));
                return;
            }
            drive();
        });
        return handshake;
    }

    // ---- what TLS adds to a connection ----

    /** The TLS session: protocol, cipher suite, peer certificates. */
    public SSLSession session() {
        return engine.getSession();
    }

    /** The ALPN protocol agreed on (e.g. {@code http/1.1}), or empty if none was. */
    public Optional<String> applicationProtocol() {
        String p = engine.getApplicationProtocol();
        return p == null || p.isEmpty() ? Optional.empty() : Optional.of(p);
    }

    /** On a server, the host name the client asked for (SNI), if it sent one. */
    public Optional<String> requestedServerName() {
        if (engine.getSession() instanceof ExtendedSSLSession s) {
            for (SNIServerName name : s.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    return Optional.of(host.getAsciiName());
                }
            }
        }
        return Optional.empty();
    }

    /** The plain connection underneath, for its socket options and addresses. */
    public Connection transport() {
        return raw;
    }

    // ---- receiving ----

    @Override
    public CompletableFuture<IoBuffer> recv() {
        return recv((Duration) null);
    }

    @Override
    public CompletableFuture<IoBuffer> recv(Duration timeout) {
        TlsFuture<IoBuffer> future = new TlsFuture<>(loop);
        queueRecv(PendingRecv.pooled(future), timeout);
        return future;
    }

    @Override
    public CompletableFuture<Integer> recv(IoBuffer into) {
        return recv(into, null);
    }

    @Override
    public CompletableFuture<Integer> recv(IoBuffer into, Duration timeout) {
        into.writableSegment(); // throws now if the caller does not own it
        TlsFuture<Integer> future = new TlsFuture<>(loop);
        queueRecv(PendingRecv.into(into, future), timeout);
        return future;
    }

    private void queueRecv(PendingRecv op, Duration timeout) {
        op.future().onCancel(() -> {
            if (op.into != null && !op.withdraw()) {
                return false; // the loop is copying into the caller's buffer right now
            }
            // a pooled receive is always in time: one completed meanwhile keeps its bytes for the next
            loop.later(() -> {
                if (recvs.remove(op)) {
                    op.stopDeadline();
                }
            });
            return true;
        });
        loop.run(() -> {
            if (op.future().isDone()) {
                return;
            }
            recvs.add(op);
            if (timeout != null) {
                op.deadline = Timers.after(timeout, loop, () -> {
                    if (recvs.remove(op)) {
                        op.fail(new TimeoutException("TLS recv: nothing within " + timeout));
                    }
                });
            }
            drive();
        });
    }

    // ---- sending ----

    @Override
    public CompletableFuture<Void> send(IoBuffer buffer) {
        return send(buffer, null);
    }

    @Override
    public CompletableFuture<Void> send(IoBuffer buffer, Duration timeout) {
        return queueSend(new ByteBuffer[] {buffer.asByteBuffer()}, new IoBuffer[] {buffer}, false, timeout);
    }

    @Override
    public CompletableFuture<Void> send(MemorySegment bytes) {
        return send(bytes, null);
    }

    @Override
    public CompletableFuture<Void> send(MemorySegment bytes, Duration timeout) {
        checkTimeout(timeout);
        // Copied now, as the plain connection does: the caller may free or reuse the segment as
        // soon as the call returns.
        ByteBuffer view = ByteBuffer.wrap(bytes.toArray(ValueLayout.JAVA_BYTE));
        return queueSend(new ByteBuffer[] {view}, null, false, timeout);
    }

    @Override
    public CompletableFuture<Void> sendv(IoBuffer... buffers) {
        return sendv(null, buffers);
    }

    @Override
    public CompletableFuture<Void> sendv(Duration timeout, IoBuffer... buffers) {
        checkTimeout(timeout);
        ByteBuffer[] views = new ByteBuffer[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            views[i] = buffers[i].asByteBuffer();
        }
        return queueSend(views, buffers.clone(), false, timeout);
    }

    /** Sends {@code close_notify} after every send queued before it, then a FIN; receiving still works. */
    @Override
    public CompletableFuture<Void> shutdownOutput() {
        return shutdownOutput(null);
    }

    @Override
    public CompletableFuture<Void> shutdownOutput(Duration timeout) {
        checkTimeout(timeout);
        return queueSend(NOTHING, null, true, timeout);
    }

    private static void checkTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    // ---- writability: plaintext of sends called and not yet ended ----

    @Override
    public long queuedSendBytes() {
        return backlog.queued();
    }

    @Override
    public boolean isWritable() {
        return backlog.isWritable();
    }

    @Override
    public CompletableFuture<Void> whenWritable() {
        return backlog.whenWritable(null);
    }

    @Override
    public CompletableFuture<Void> whenWritable(Duration timeout) {
        checkTimeout(timeout);
        return backlog.whenWritable(timeout);
    }

    @Override
    public Connection setWriteBufferWaterMarks(int low, int high) {
        backlog.setMarks(low, high);
        return this;
    }

    @Override
    public int writeBufferLowWaterMark() {
        return backlog.low();
    }

    @Override
    public int writeBufferHighWaterMark() {
        return backlog.high();
    }

    private CompletableFuture<Void> queueSend(ByteBuffer[] plaintext, IoBuffer[] taken, boolean shutdown,
                                              Duration timeout) {
        TlsFuture<Void> future = new TlsFuture<>(loop);
        PendingSend op = new PendingSend(future, plaintext, taken, shutdown);
        long bytes = 0;
        for (ByteBuffer b : plaintext) {
            bytes += b.remaining();
        }
        backlog.track(bytes, future);
        future.onCancel(() -> {
            if (!op.withdraw()) {
                return false; // its records are on their way: withdrawing now would break the stream
            }
            loop.later(() -> {
                sends.remove(op);
                op.releaseTaken();
            });
            return true;
        });
        loop.run(() -> {
            sends.add(op);
            if (timeout != null) {
                op.deadline = Timers.after(timeout, loop, () -> sendTimedOut(op, timeout));
            }
            drive();
        });
        return future;
    }

    private void sendTimedOut(PendingSend op, Duration timeout) {
        if (op.future.isDone()) {
            return;
        }
        TimeoutException timedOut = new TimeoutException("TLS send: not written within " + timeout);
        if (op.withdraw()) {
            sends.remove(op);
            op.fail(timedOut);
            return;
        }
        if (op.file != null && !(rawSendInFlight && sends.peek() == op)) {
            sends.remove(op); // between two blocks of a file: the stream is whole, the connection goes on
            op.fail(timedOut);
            drive();
            return;
        }
        // Part of its records are out: the peer would see a torn record, so the stream ends here.
        op.fail(timedOut);
        breakConnection(new ConnectionClosedException("TLS connection with " + peer + " closed: a send timed out"
                + " after part of its records had been written, and a TLS stream cannot resume mid-record"));
    }

    // ---- closing ----

    /** Sends {@code close_notify} (if the handshake finished and the write side is open), then closes. */
    @Override
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        loop.run(() -> closeOnLoop(false).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(null);
            }
        }));
        return result;
    }

    @Override
    public CompletableFuture<Void> abort() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        loop.run(() -> closeOnLoop(true).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(null);
            }
        }));
        return result;
    }

    private CompletableFuture<Void> closeOnLoop(boolean abortive) {
        backlog.close();
        if (closed != null) {
            if (abortive) {
                raw.abort();
            }
            return closed;
        }
        closing = true;
        ConnectionClosedException why = new ConnectionClosedException("TLS connection with " + peer + " closed");
        failEverything(why);
        if (abortive) {
            closed = raw.abort();
        } else if (handshakeDone && failure == null && outboundFailure == null && !engine.isOutboundDone()) {
            engine.closeOutbound();
            closed = flushThenClose();
        } else {
            closed = raw.close();
        }
        if (failure == null) {
            failure = why;
        }
        return closed;
    }

    /** Writes what the engine still has to say (close_notify, an alert), then closes, bounded in time. */
    private CompletableFuture<Void> flushThenClose() {
        IoBuffer pending;
        try {
            pending = wrapToOneBuffer();
        } catch (Exception e) {
            pending = null;
        }
        if (pending == null) {
            return raw.close();
        }
        return raw.send(pending, Duration.ofSeconds(2)).handle((v, e) -> null).thenCompose(v -> raw.close());
    }

    private void failEverything(Throwable why) {
        if (!handshake.isDone()) {
            handshake.fail(why);
        }
        for (PendingRecv r; (r = recvs.poll()) != null; ) {
            r.fail(why);
        }
        for (Iterator<PendingSend> it = sends.iterator(); it.hasNext(); ) {
            PendingSend s = it.next();
            if (!s.started() || !rawSendInFlight) {
                it.remove();
                s.fail(why);
            }
            // a send whose records are being written ends with its network send
        }
    }

    /** The connection cannot go on: fail everything with {@code why}, send an alert if there is one, close. */
    void breakConnection(Throwable why) {
        if (closed != null) {
            return;
        }
        backlog.close();
        failure = why;
        closing = true;
        failEverything(why);
        engine.closeOutbound();
        closed = flushThenClose();
    }

    // ---- the state machine: one entry, re-entrant calls just ask for another round ----

    void drive() {
        if (driving) {
            driveAgain = true;
            return;
        }
        driving = true;
        try {
            do {
                driveAgain = false;
                if (failure != null) {
                    failEverything(failure);
                    return;
                }
                if (tasksRunning) {
                    return;
                }
                if (!handshakeDone) {
                    stepHandshake();
                } else {
                    serveRecvs();
                    serveSends();
                }
            } while (driveAgain);
        } catch (Exception e) {
            breakConnection(e instanceof javax.net.ssl.SSLException || !handshakeDone
                    ? TlsErrors.explain(e, peer, !handshakeDone, options.protocols()) : e);
        } finally {
            driving = false;
        }
    }

    private void stepHandshake() throws IOException {
        while (!handshakeDone && failure == null) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> writeControl();
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrap()) {
                        return; // waiting for the network
                    }
                    if (inboundDone) {
                        throw new javax.net.ssl.SSLHandshakeException("the peer sent close_notify during the handshake");
                    }
                }
                case NEED_TASK -> {
                    runTasks();
                    return;
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    handshakeDone = true;
                    handshake.succeed(this);
                    driveAgain = true; // plaintext that came with the last handshake flight
                }
            }
        }
    }

    private void serveRecvs() throws IOException {
        while (!recvs.isEmpty() && failure == null && !tasksRunning) {
            if (recvs.peek().future().isDone()) {
                recvs.poll().stopDeadline(); // cancelled, or completed from outside (orTimeout)
                continue;
            }
            if (plainIn.hasRemaining()) {
                deliver(recvs.peek());
                continue;
            }
            if (inboundFailure != null) {
                recvs.poll().fail(inboundFailure);
                continue;
            }
            if (inboundDone) {
                endOfStream(recvs.poll());
                continue;
            }
            if (!unwrap()) {
                return;
            }
            afterDataUnwrap();
        }
    }

    /** What the engine asks for after a record arrived once the handshake is over. */
    private void afterDataUnwrap() throws IOException {
        var status = engine.getHandshakeStatus();
        if (status == javax.net.ssl.SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                || status == javax.net.ssl.SSLEngineResult.HandshakeStatus.FINISHED) {
            return;
        }
        boolean tls13 = "TLSv1.3".equals(engine.getSession().getProtocol());
        if (!tls13 && !inboundDone) {
            throw new javax.net.ssl.SSLException("the peer started a TLS renegotiation, which jring refuses (it has"
                    + " been the way into several attacks); use TLS 1.3, or reconnect instead of renegotiating");
        }
        // TLS 1.3 post-handshake messages (a key update to answer), or TLS 1.2's close_notify reply
        switch (status) {
            case NEED_WRAP -> writeControl();
            case NEED_TASK -> runTasks();
            default -> { }
        }
    }

    private void deliver(PendingRecv op) {
        int n;
        if (op.pooled != null) {
            IoBuffer buffer;
            try {
                buffer = raw.allocate();
            } catch (RuntimeException exhausted) {
                recvs.poll();
                op.fail(exhausted); // this receive alone; the plaintext stays for the next
                return;
            }
            n = Math.min(plainIn.remaining(), buffer.writableBytes());
            buffer.write(plainIn.slice(plainIn.position(), n));
            recvs.poll();
            op.stopDeadline();
            if (op.pooled.succeed(buffer)) {
                plainIn.position(plainIn.position() + n);
            } else {
                buffer.release(); // completed from outside (orTimeout): the bytes stay for the next receive
            }
        } else {
            recvs.poll();
            if (!op.claim()) {
                return; // withdrawn by a cancel: the caller may have released into already
            }
            int before = op.into.writerIndex();
            n = Math.min(plainIn.remaining(), op.into.writableBytes());
            op.into.write(plainIn.slice(plainIn.position(), n));
            op.stopDeadline();
            if (op.counted.succeed(n)) {
                plainIn.position(plainIn.position() + n);
            } else {
                op.into.writerIndex(before);
            }
        }
    }

    private void endOfStream(PendingRecv op) {
        op.stopDeadline();
        if (op.pooled != null) {
            op.pooled.succeed(IoBuffer.END_OF_STREAM);
        } else {
            op.counted.succeed(-1);
        }
    }

    /**
     * Unwraps one record from what has arrived. Returns false when more ciphertext is needed
     * (a network receive is then on its way, or the stream has ended and that is recorded).
     */
    private boolean unwrap() throws IOException {
        plainIn.compact();
        javax.net.ssl.SSLEngineResult result;
        try {
            result = engine.unwrap(netIn, plainIn);
        } finally {
            plainIn.flip();
        }
        switch (result.getStatus()) {
            case OK -> {
                return true;
            }
            case CLOSED -> {
                inboundDone = true;
                if (engine.getHandshakeStatus() == javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_WRAP
                        && handshakeDone) {
                    writeControl(); // TLS 1.2: answer close_notify with ours; our write side is closed now
                }
                if (engine.isOutboundDone() && outboundFailure == null) {
                    outboundFailure = new ConnectionClosedException("TLS connection with " + peer + ": the peer sent"
                            + " close_notify under " + engine.getSession().getProtocol() + ", which closes the write"
                            + " side too (only TLS 1.3 has half-close)");
                }
                return true;
            }
            case BUFFER_OVERFLOW -> {
                ByteBuffer bigger = ByteBuffer.allocate(plainIn.remaining() + engine.getSession().getApplicationBufferSize());
                bigger.put(plainIn).flip();
                plainIn = bigger;
                return true;
            }
            case BUFFER_UNDERFLOW -> {
                if (netEnded) {
                    truncated();
                    return true;
                }
                receiveCiphertext();
                return false;
            }
        }
        return false;
    }

    private void truncated() throws javax.net.ssl.SSLException {
        String what = "the peer closed the TCP connection without a TLS close_notify, so what arrived may be"
                + " truncated: treat it as incomplete";
        if (!handshakeDone) {
            throw new javax.net.ssl.SSLHandshakeException("the peer closed the connection during the handshake"
                    + " (it may not speak TLS, or it rejected this side without an alert)");
        }
        try {
            engine.closeInbound();
            inboundFailure = new javax.net.ssl.SSLException("TLS connection with " + peer + ": " + what);
        } catch (javax.net.ssl.SSLException e) {
            inboundFailure = new javax.net.ssl.SSLException("TLS connection with " + peer + ": " + what, e);
        }
    }

    private void receiveCiphertext() {
        if (rawRecvInFlight || closing) {
            return;
        }
        rawRecvInFlight = true;
        raw.recv().whenComplete((buffer, error) -> {
            rawRecvInFlight = false;
            if (error != null) {
                if (failure == null) {
                    breakConnection(error);
                }
                return;
            }
            if (buffer.isEndOfStream()) {
                netEnded = true;
            } else {
                appendCiphertext(buffer);
            }
            drive();
        });
    }

    private void appendCiphertext(IoBuffer buffer) {
        try {
            int n = buffer.readableBytes();
            netIn.compact();
            if (netIn.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(netIn.position() + n + engine.getSession().getPacketBufferSize());
                bigger.put(netIn.flip());
                netIn = bigger;
            }
            netIn.put(buffer.asByteBuffer());
            netIn.flip();
        } finally {
            buffer.release();
        }
    }

    private void runTasks() {
        List<Runnable> tasks = new java.util.ArrayList<>();
        for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
            tasks.add(t);
        }
        tasksRunning = true;
        // Certificate checks and key agreement can take milliseconds: never on the loop thread.
        options.taskExecutor().execute(() -> {
            Throwable failed = null;
            try {
                tasks.forEach(Runnable::run);
            } catch (Throwable t) {
                failed = t;
            }
            Throwable error = failed;
            loop.later(() -> {
                tasksRunning = false;
                if (error != null) {
                    breakConnection(TlsErrors.explain(error, peer, !handshakeDone, options.protocols()));
                } else {
                    drive();
                }
            });
        });
    }

    // ---- writing ----

    /** Wraps what the engine has to say on its own (handshake, key update, close_notify) and writes it now. */
    private void writeControl() throws IOException {
        IoBuffer out = wrapToOneBuffer();
        if (out != null) {
            writeRaw(new IoBuffer[] {out}, null);
        }
    }

    /** One wrap with no plaintext, copied into one pooled buffer; null if it produced nothing. */
    private IoBuffer wrapToOneBuffer() throws IOException {
        java.util.ArrayList<IoBuffer> batch = new java.util.ArrayList<>();
        wrapInto(NOTHING, batch);
        if (batch.isEmpty()) {
            return null;
        }
        if (batch.size() > 1) {
            // a handshake flight larger than a block (a long certificate chain): send all but the last now
            writeRaw(batch.subList(0, batch.size() - 1).toArray(IoBuffer[]::new), null);
        }
        return batch.getLast();
    }

    /** One engine.wrap of {@code plaintext}, its output appended to pooled blocks. Returns the status. */
    private javax.net.ssl.SSLEngineResult wrapInto(ByteBuffer[] plaintext, List<IoBuffer> batch) throws IOException {
        while (true) {
            netOut.clear();
            javax.net.ssl.SSLEngineResult result = engine.wrap(plaintext, netOut);
            if (result.getStatus() == javax.net.ssl.SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() + netOut.capacity());
                continue;
            }
            netOut.flip();
            while (netOut.hasRemaining()) {
                IoBuffer last = batch.isEmpty() ? null : batch.getLast();
                if (last == null || last.writableBytes() == 0) {
                    try {
                        last = raw.allocate();
                    } catch (RuntimeException exhausted) {
                        batch.forEach(IoBuffer::release);
                        batch.clear();
                        throw exhausted;
                    }
                    batch.add(last);
                }
                int n = Math.min(netOut.remaining(), last.writableBytes());
                last.write(netOut.slice(netOut.position(), n));
                netOut.position(netOut.position() + n);
            }
            return result;
        }
    }

    private void writeRaw(IoBuffer[] ciphertext, PendingSend op) {
        CompletableFuture<Void> sent = ciphertext.length == 1 ? raw.send(ciphertext[0]) : raw.sendv(ciphertext);
        if (op == null) {
            sent.whenComplete((v, e) -> {
                if (e != null && failure == null) {
                    breakConnection(e);
                }
            });
            return;
        }
        rawSendInFlight = true;
        sent.whenComplete((v, e) -> {
            rawSendInFlight = false;
            if (e != null) {
                outboundFailure = e;
                sends.remove(op);
                op.fail(e);
            } else if (!op.hasRemaining() && !op.shutdown) {
                if (op.file != null) {
                    op.releaseBlock(); // it stays at the head: its next block is read on this drive
                } else {
                    sends.remove(op);
                    op.succeed();
                }
            }
            drive();
        });
    }

    private void serveSends() throws IOException {
        while (!rawSendInFlight && !sends.isEmpty() && failure == null && !tasksRunning) {
            PendingSend op = sends.peek();
            if (op.withdrawn()) {
                sends.poll().releaseTaken(); // cancelled before its turn
                continue;
            }
            if (!op.start()) {
                continue; // a cancel won just now; the loop above removes it
            }
            if (outboundFailure != null) {
                sends.poll().fail(outboundFailure);
                continue;
            }
            if (op.shutdown) {
                shutdownNow(sends.poll());
                continue;
            }
            if (op.file != null && !op.hasRemaining()) {
                if (nextFileBlock(op)) {
                    continue;
                }
                return; // its next block is being read: the sends behind it wait for it
            }
            java.util.ArrayList<IoBuffer> batch = new java.util.ArrayList<>();
            int bytes = 0;
            while (op.hasRemaining() && bytes < BATCH_BYTES) {
                javax.net.ssl.SSLEngineResult result = wrapInto(op.plaintext, batch);
                bytes += result.bytesProduced();
                if (result.getStatus() == javax.net.ssl.SSLEngineResult.Status.CLOSED) {
                    batch.forEach(IoBuffer::release);
                    outboundFailure = new ConnectionClosedException("TLS connection with " + peer + ": the write"
                            + " side is closed (close_notify was sent" + (inboundDone ? ", in answer to the peer's)" : ")"));
                    batch.clear();
                    break;
                }
            }
            if (outboundFailure != null) {
                continue;
            }
            if (batch.isEmpty()) {
                sends.poll().succeed(); // nothing to send (an empty buffer)
                continue;
            }
            writeRaw(batch.toArray(IoBuffer[]::new), op);
        }
    }

    /** close_notify, then the TCP half-close; the future completes once both went out. */
    private void shutdownNow(PendingSend op) throws IOException {
        if (engine.isOutboundDone()) {
            op.succeed();
            return;
        }
        engine.closeOutbound();
        IoBuffer closeNotify = wrapToOneBuffer();
        CompletableFuture<Void> sent = closeNotify == null ? CompletableFuture.completedFuture(null) : raw.send(closeNotify);
        outboundFailure = new ConnectionClosedException("TLS connection with " + peer + ": the write side was shut"
                + " down (close_notify sent)");
        sent.thenCompose(v -> raw.shutdownOutput()).whenComplete((v, e) -> {
            if (e != null) {
                op.fail(e);
            } else {
                op.succeed();
            }
        });
    }

    // ---- the rest is the plain connection's ----

    @Override
    public <T> Connection setOption(SocketOption<T> option, T value) throws IOException {
        raw.setOption(option, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return raw.getOption(option);
    }

    /**
     * Sends part of a file. TLS must encrypt every byte, so there is no zero-copy path: on this
     * send's turn the file is read one pooled block at a time ({@link io.jring.AsyncFile#read(long, int)}),
     * and each block is encrypted and written before the next is read, so a peer that does not
     * read holds one block. It is ordered like any send: sends called after it leave after all
     * of its bytes, and it waits behind the sends called before it. Cancelling the returned
     * future (or its deadline passing) stops it between two blocks; a deadline that passes while
     * a block is being written closes the connection, as for any TLS send.
     */
    @Override
    public CompletableFuture<Long> sendFile(io.jring.AsyncFile file, long position, long count) {
        return sendFile(file, position, count, null);
    }

    @Override
    public CompletableFuture<Long> sendFile(io.jring.AsyncFile file, long position, long count, Duration timeout) {
        checkTimeout(timeout);
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("position and count must be >= 0, got " + position + ", " + count);
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        FileRange range = new FileRange(file, position, count, result);
        TlsFuture<Void> done = new TlsFuture<>(loop);
        PendingSend op = new PendingSend(done, NOTHING, null, false, range);
        done.whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(range.sent);
            }
        });
        loop.run(() -> {
            sends.add(op);
            if (timeout != null) {
                op.deadline = Timers.after(timeout, loop, () -> sendTimedOut(op, timeout));
            }
            drive();
        });
        return result;
    }

    /**
     * The head of the queue is a file send with no block in hand: ends it if the range is done
     * (or the caller gave up on it), else reads its next block. Returns true if it ended.
     */
    private boolean nextFileBlock(PendingSend op) {
        FileRange range = op.file;
        if (range.left == 0 || range.result.isDone()) {
            sends.poll();
            op.succeed(); // a cancelled result stays cancelled: this only lets the sends behind it go
            return true;
        }
        if (range.reading) {
            return false;
        }
        range.reading = true;
        CompletableFuture<IoBuffer> read;
        try {
            read = range.file.read(range.position, (int) Math.min(range.left, FileRange.BLOCK));
        } catch (RuntimeException refused) {
            range.reading = false;
            sends.poll();
            op.fail(refused); // at a block boundary: the stream is whole, the connection goes on
            return true;
        }
        read.whenComplete((block, error) -> loop.run(() -> {
            range.reading = false;
            if (error != null) {
                if (sends.remove(op)) {
                    op.fail(error);
                }
            } else if (op.future.isDone() || range.result.isDone()) {
                block.release(); // failed or given up meanwhile
            } else if (block.isEndOfStream() || block.readableBytes() == 0) {
                block.release();
                range.left = 0; // the file ended first: what was sent is the result
            } else {
                int n = block.readableBytes();
                range.position += n;
                range.left -= n;
                range.sent += n;
                op.nextBlock(block);
            }
            drive();
        }));
        return false;
    }

    @Override
    public IoBuffer allocate() {
        return raw.allocate();
    }

    @Override
    public SocketAddress localAddress() {
        return raw.localAddress();
    }

    @Override
    public SocketAddress remoteAddress() {
        return raw.remoteAddress();
    }

    @Override
    public Executor executor() {
        return raw.executor();
    }

    @Override
    public boolean isOpen() {
        return !closing && raw.isOpen();
    }

    @Override
    public String toString() {
        return "TlsConnection[" + peer + ", " + (handshakeDone ? engine.getSession().getProtocol() + " "
                + engine.getSession().getCipherSuite() : "handshaking") + "]";
    }
}
