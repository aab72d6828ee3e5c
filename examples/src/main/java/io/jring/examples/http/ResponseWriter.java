package io.jring.examples.http;

import io.jring.Connection;
import io.jring.IoBuffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Turns a connection's responses, in request order, into batches of pooled blocks, each batch
 * leaving in one {@code sendv} (a single sendmsg with an iovec per block).
 *
 * <p>Header blocks and small bodies are copied into the same block while it has room, so
 * sixteen pipelined "Hello, World!" responses are one block and one syscall. Echoed request
 * bodies are sent from the blocks they arrived in. Files never pass through Java memory nor
 * the loop thread: each is opened as an {@code AsyncFile} and sent with {@code sendFile} (SPLICE
 * on io_uring, sendfile on epoll's blocking pool), {@link #SEND_FILE_CHUNK} at a time so every
 * piece that leaves counts as progress for the stall check; a client that stops reading holds
 * no pooled block, only its socket buffer and one pipe.
 */
final class ResponseWriter {
    /** Blocks per sendv: sending starts while a large file is still being read (and stays far below IOV_MAX). */
    private static final int MAX_BATCH_BLOCKS = 64;
    /** File bytes per sendFile: a client that reads shows progress at least this often. */
    static final long SEND_FILE_CHUNK = 4L << 20;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final Connection connection;
    private final long maxUnsent;
    private final Consumer<Throwable> onSent;
    private final ArrayDeque<Response> pending = new ArrayDeque<>();
    private final List<IoBuffer> batch = new ArrayList<>();
    private IoBuffer current;        // the batch's last block, ours to append to
    private long batchBytes;
    private long unsent;             // handed to sendv, not yet completed
    private long lastProgressNanos = System.nanoTime();
    private boolean headWritten;     // of pending's first response
    private io.jring.AsyncFile file; // of pending's first response, open while it streams
    private boolean fileBusy;        // an open or a sendFile of it is in flight
    private long fileSent;
    private boolean released;

    /** {@code onSent} runs on the loop thread as each sendv ends (with its error, or null). */
    ResponseWriter(Connection connection, long maxUnsent, Consumer<Throwable> onSent) {
        this.connection = connection;
        this.maxUnsent = maxUnsent;
        this.onSent = onSent;
    }

    void add(Response response) {
        pending.add(response);
    }

    /** Bytes written for the client and not yet accepted by the kernel: in sendv or in the batch. */
    long outstanding() {
        return unsent + batchBytes;
    }

    /** Bytes in sendv calls that have not completed. */
    long unsent() {
        return unsent;
    }

    /** When a sendv last completed (or the writer was created). */
    long lastProgressNanos() {
        return lastProgressNanos;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** The interim answer to {@code Expect: 100-continue}. */
    void writeContinue() {
        copyIn(CONTINUE);
    }

    /**
     * Writes pending responses into the batch; returns false when a file body had to stop
     * because the output is full (call again once a send completes).
     */
    boolean pump() throws IOException {
        while (!pending.isEmpty()) {
            Response response = pending.peek();
            if (!headWritten) {
                copyIn(head(response));
                headWritten = true;
            }
            if (!response.headOnly() && !writeBody(response.body())) {
                return false;
            }
            pending.poll();
            headWritten = false;
            if (batch.size() >= MAX_BATCH_BLOCKS) {
                flush();
            }
        }
        return true;
    }

    /** Sends the batch; completion is reported to {@code onSent}, on the loop thread. */
    void flush() {
        if (batch.isEmpty()) {
            return;
        }
        IoBuffer[] blocks = batch.toArray(IoBuffer[]::new);
        long bytes = batchBytes;
        batch.clear();
        batchBytes = 0;
        current = null; // lent to the kernel now: nothing more may be written into it
        unsent += bytes;
        connection.sendv(blocks).whenComplete((ok, error) -> {
            unsent -= bytes;
            lastProgressNanos = System.nanoTime();
            onSent.accept(error);
        });
    }

    /** Gives back everything not yet handed to a send (the connection is closing). */
    void release() {
        released = true;
        batch.forEach(IoBuffer::release);
        batch.clear();
        batchBytes = 0;
        current = null;
        pending.forEach(r -> r.body().release());
        pending.clear();
        closeFile();
    }

    private boolean writeBody(Response.Body body) throws IOException {
        switch (body) {
            case Response.Bytes bytes -> copyIn(bytes.data());
            case Response.Buffers buffers -> moveIn(buffers.blocks(), buffers.length());
            case Response.FileBody f -> {
                return streamFile(f);
            }
        }
        return true;
    }

    /** Small bodies are copied next to their header; large ones are sent from their own blocks. */
    private void moveIn(List<IoBuffer> blocks, long length) {
        if (current != null && length <= current.writableBytes()) {
            blocks.forEach(b -> current.write(b.readableSegment()));
            batchBytes += length;
            blocks.forEach(IoBuffer::release);
        } else {
            for (IoBuffer b : blocks) {
                if (batch.size() >= MAX_BATCH_BLOCKS) {
                    flush(); // a large --max-body could otherwise pass sendv's iovec limit
                }
                batch.add(b);
                batchBytes += b.readableBytes();
                current = b; // its free room after the body bytes is ours to fill
            }
        }
        blocks.clear();
    }

    /**
     * Sends the file after what the batch holds (sends keep call order), one chunk per call;
     * returns true once all of it has left, false while an open or a chunk is in flight (the
     * connection pumps again when {@code onSent} runs).
     */
    private boolean streamFile(Response.FileBody body) {
        if (fileBusy) {
            return false;
        }
        if (fileSent == body.length()) {
            closeFile();
            fileSent = 0;
            return true;
        }
        flush();
        fileBusy = true;
        if (file != null) {
            sendFileChunk(body);
            return false;
        }
        // Opened only when its turn comes: a pipeline of file requests holds one descriptor.
        // The open may complete on another loop: continue on this connection's.
        body.opener().apply(body.path()).whenCompleteAsync((opened, error) -> {
            if (released) {
                if (opened != null) {
                    opened.close();
                }
                return;
            }
            if (error != null) {
                fileBusy = false;
                onSent.accept(error);
                return;
            }
            file = opened;
            sendFileChunk(body);
        }, connection.executor());
        return false;
    }

    private void sendFileChunk(Response.FileBody body) {
        long count = Math.min(SEND_FILE_CHUNK, body.length() - fileSent);
        unsent += count;
        connection.sendFile(file, fileSent, count).whenComplete((sent, error) -> {
            unsent -= count;
            lastProgressNanos = System.nanoTime();
            fileBusy = false;
            if (error == null && sent != count) {
                error = new IOException(body.path() + " shrank while being sent");
            }
            if (error == null) {
                fileSent += count;
            }
            onSent.accept(error);
        });
    }

    private void copyIn(byte[] data) {
        int at = 0;
        while (at < data.length) {
            IoBuffer block = room();
            int n = Math.min(data.length - at, block.writableBytes());
            block.write(data, at, n);
            batchBytes += n;
            at += n;
        }
    }

    /** The block to write into next: the batch's last one while it has room, else a new one. */
    private IoBuffer room() {
        if (current == null || current.writableBytes() == 0) {
            current = connection.allocate();
            batch.add(current);
        }
        return current;
    }

    private void closeFile() {
        if (file != null) {
            file.close(); // read-only: nothing to lose; the descriptor goes once no sendFile uses it
            file = null;
        }
    }

    private static byte[] head(Response r) {
        StringBuilder h = new StringBuilder(200)
                .append("HTTP/1.1 ").append(r.status()).append(' ').append(Response.reason(r.status())).append("\r\n")
                .append("Server: jring\r\nDate: ").append(HttpDate.now()).append("\r\n");
        if (r.contentType() != null) {
            h.append("Content-Type: ").append(r.contentType()).append("\r\n");
        }
        h.append("Content-Length: ").append(r.body().length()).append("\r\n");
        for (String line : r.extraHeaders()) {
            h.append(line).append("\r\n");
        }
        if (r.connection() != null) {
            h.append("Connection: ").append(r.connection()).append("\r\n");
        }
        return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The Date header, formatted once a second rather than once a response. */
    private static final class HttpDate {
        private record Stamp(long second, String text) {}

        // IMF-fixdate (RFC 9110 5.6.7): two-digit day, English names, always GMT.
        private static final DateTimeFormatter IMF_FIXDATE =
                DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
        private static volatile Stamp stamp = new Stamp(-1, "");

        static String now() {
            long second = System.currentTimeMillis() / 1000;
            Stamp s = stamp;
            if (s.second() != second) {
                s = new Stamp(second, IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
                stamp = s; // loops race benignly: each writes a correct stamp
            }
            return s.text();
        }
    }
}
