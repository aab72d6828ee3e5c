package io.jring.examples.chat;

import io.jring.Connection;
import io.jring.IoBuffer;
import io.jring.SegmentedBuffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One chat connection: reads lines (split with a {@link SegmentedBuffer}, so a line may arrive
 * in any number of pieces) and takes lines for its peer.
 *
 * <p><b>A client that does not read</b> cannot make the server hold more than about the
 * connection's high water mark (64 KiB) plus one batch of lines: while its connection is not
 * {@link Connection#isWritable() writable}, lines for it are dropped, and counted. Once it has
 * read enough to be writable again ({@link Connection#whenWritable()}), it is told how many it
 * missed, and gets lines again. Everyone else keeps chatting meanwhile.
 *
 * <p><b>Batches.</b> The lines one receive brings are broadcast together, as one send per other
 * client (up to {@link #BATCH} bytes each): a connection runs one send at a time, so a send per
 * line would let a fast talker outrun every reader's queue.
 *
 * <p><b>A line longer than --max-line bytes</b> gets an error line, and the connection is closed
 * once that line is sent.
 */
final class ChatClient {
    private static final byte[] NEWLINE = {'\n'};
    /** At most this many bytes of lines go out as one send: they fit one pooled 16 KiB block. */
    static final int BATCH = 16 * 1024;

    private final ChatRoom room;
    private final Connection connection;
    private final String name;
    /** "guest-N: ", put before each of this client's lines. */
    private final byte[] prefix;
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
        this.prefix = (name + ": ").getBytes(StandardCharsets.UTF_8);
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

    /**
     * Takes lines for this client (any thread): sent if the connection keeps up, else dropped and
     * counted ({@code count} chat lines; notices count 0).
     */
    void deliver(byte[] lines, int count) {
        if (connection.isWritable()) {
            connection.send(lines);
            return;
        }
        dropped.addAndGet(count);
        droppedBeforeNotice.addAndGet(count);
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

    /**
     * Broadcasts every complete line, in batches of at most {@link #BATCH} bytes (one line longer
     * than that goes alone); false once the client is being disconnected. Lines stay bytes: the
     * server never decodes them, so any encoding passes through.
     */
    private boolean readLines() {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        int count = 0;
        while (true) {
            long eol = in.indexOf(NEWLINE, 0, maxLine + 1L); // a line of maxLine bytes, then its newline
            if (eol < 0) {
                break;
            }
            byte[] line = in.readBytes((int) eol);
            in.skip(1);
            int length = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length; // nc -C, telnet
            if (count > 0 && batch.size() + prefix.length + length + 1 > BATCH) {
                broadcast(batch, count);
                count = 0;
            }
            batch.write(prefix, 0, prefix.length);
            batch.write(line, 0, length);
            batch.write('\n');
            count++;
        }
        broadcast(batch, count);
        if (in.readableBytes() > maxLine) {
            refuseLongLine();
            return false;
        }
        return true;
    }

    private void broadcast(ByteArrayOutputStream batch, int count) {
        if (count > 0) {
            room.broadcast(this, batch.toByteArray(), count);
            batch.reset();
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
