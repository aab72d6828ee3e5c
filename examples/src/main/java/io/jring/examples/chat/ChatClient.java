package io.jring.examples.chat;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.SegmentedBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One chat connection: reads lines (split with a {@link SegmentedBuffer}, so a line may arrive
 * in any number of pieces) and takes lines for its peer.
 *
 * <p><b>A client that does not read</b> cannot make the server hold more than about the
 * connection's high water mark (64 KiB) plus one line: while its connection is not
 * {@link Connection#isWritable() writable}, lines for it are dropped, and counted. Once it has
 * read enough to be writable again ({@link Connection#whenWritable()}), it is told how many it
 * missed, and gets lines again. Everyone else keeps chatting meanwhile.
 *
 * <p><b>A line longer than --max-line bytes</b> gets an error line, and the connection is closed
 * once that line is sent.
 */
final class ChatClient {
    private static final byte[] NEWLINE = {'\n'};

    private final ChatRoom room;
    private final Connection connection;
    private final String name;
    private final int maxLine;
    private final SegmentedBuffer in;
    private final AtomicLong dropped = new AtomicLong();
    /** Set while a whenWritable() is armed to tell the client what it missed. */
    private final AtomicBoolean noticePending = new AtomicBoolean();
    private final AtomicLong droppedBeforeNotice = new AtomicLong();

    ChatClient(ChatRoom room, Connection connection, String name, int maxLine) {
        this.room = room;
        this.connection = connection;
        this.name = name;
        this.maxLine = maxLine;
        this.in = new SegmentedBuffer(connection::allocate);
    }

    String name() {
        return name;
    }

    long dropped() {
        return dropped.get();
    }

    long queuedBytes() {
        return connection.queuedSendBytes();
    }

    void start() {
        receive();
    }

    /** Takes a line for this client (any thread): sent if the connection keeps up, else dropped and counted. */
    void deliver(byte[] line) {
        if (connection.isWritable()) {
            connection.send(line);
            return;
        }
        dropped.incrementAndGet();
        droppedBeforeNotice.incrementAndGet();
        if (noticePending.compareAndSet(false, true)) {
            connection.whenWritable().whenComplete((ok, closed) -> {
                noticePending.set(false);
                long missed = droppedBeforeNotice.getAndSet(0);
                if (closed == null && missed > 0) {
                    connection.send(("* " + missed + " lines dropped: you read too slowly\n").getBytes(StandardCharsets.UTF_8));
                }
            });
        }
    }

    /** Runs on this connection's loop thread: every stage below is chained on its recv. */
    private void receive() {
        connection.recv().whenComplete((buffer, error) -> {
            if (error != null || buffer.isEndOfStream()) {
                end();
                return;
            }
            in.append(buffer);
            if (readLines()) {
                receive();
            }
        });
    }

    /** Broadcasts every complete line; false once the client is being disconnected. */
    private boolean readLines() {
        while (true) {
            long eol = in.indexOf(NEWLINE, 0, maxLine + 1L); // a line of maxLine bytes, then its newline
            if (eol < 0) {
                if (in.readableBytes() > maxLine) {
                    refuseLongLine();
                    return false;
                }
                return true;
            }
            String line = in.readString((int) eol, StandardCharsets.UTF_8);
            in.skip(1);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1); // telnet and nc -C end lines with CRLF
            }
            room.broadcast(this, name + ": " + line + "\n");
        }
    }

    private void refuseLongLine() {
        room.leave(this);
        connection.send(("* error: line longer than " + maxLine + " bytes; bye\n").getBytes(StandardCharsets.UTF_8))
                .whenComplete((ok, error) -> end());
    }

    /** Loop thread: the client left, or was told to. */
    private void end() {
        room.leave(this);
        if (!in.isReleased()) {
            in.release();
        }
        connection.close();
    }
}
