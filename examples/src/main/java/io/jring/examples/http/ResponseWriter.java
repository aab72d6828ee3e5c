package io.jring.examples.http;

import io.jring.Connection;
import io.jring.IoBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 * bodies are sent from the blocks they arrived in. Files are read into blocks only while the
 * connection's unsent output is under {@link #FILE_WINDOW} (or {@code maxUnsent}, if smaller):
 * a large file, or a client that stops reading, never makes the server hold more than that
 * (plus a block) for one connection.
 */
final class ResponseWriter {
    /** Blocks per sendv: sending starts while a large file is still being read (and stays far below IOV_MAX). */
    private static final int MAX_BATCH_BLOCKS = 64;
    /**
     * A file is read into blocks only while the connection has less than this unsent, whatever
     * {@code maxUnsent} allows: a client that stops reading a large file then holds at most this
     * much of the runtime's buffer memory, so 150 of them take 38 MiB, not 150 times maxUnsent
     * (which could pass the runtime's cap and fail everyone's allocations).
     */
    static final long FILE_WINDOW = 256 << 10;
    /** File bytes per sendv: a quarter of the window, so the next piece is read while earlier ones leave. */
    private static final long FILE_CHUNK = FILE_WINDOW / 4;
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
    private FileChannel file;        // of pending's first response, open while it streams
    private long fileLeft;

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

    private boolean streamFile(Response.FileBody body) throws IOException {
        if (file == null) {
            // Opened only when its turn comes: a pipeline of file requests holds one descriptor.
            file = FileChannel.open(body.path());
            fileLeft = body.length();
        }
        while (fileLeft > 0) {
            if (outstanding() >= Math.min(maxUnsent, FILE_WINDOW)) {
                return false; // resumed when a send completes
            }
            if (batch.size() >= MAX_BATCH_BLOCKS || batchBytes >= FILE_CHUNK) {
                flush();
            }
            IoBuffer block = room();
            int want = (int) Math.min(fileLeft, block.writableBytes());
            // A blocking read on the loop thread: fine for files in the page cache, which is
            // what an example serves; a production server would read on another thread, or splice.
            ByteBuffer target = block.writableSegment().asSlice(0, want).asByteBuffer();
            while (target.hasRemaining()) {
                if (file.read(target) < 0) {
                    throw new IOException(body.path() + " shrank while being sent");
                }
            }
            block.writerIndex(block.writerIndex() + want);
            batchBytes += want;
            fileLeft -= want;
        }
        closeFile();
        return true;
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
            try {
                file.close();
            } catch (IOException ignored) {
                // read-only: nothing was lost
            }
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
