package io.jring.examples.http;

import io.jring.IoBuffer;
import io.jring.SegmentedBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/1.1 request framing (RFC 9112) over a {@link SegmentedBuffer}, resumable: {@link #next}
 * returns null when it needs more bytes and picks up where it stopped when called again, so a
 * request may arrive in any number of pieces cut anywhere.
 *
 * <p>It is strict where leniency lets one request be read two ways (request smuggling): bare LF
 * line ends, folded header lines, a space before the colon, several differing Content-Lengths,
 * or Content-Length together with Transfer-Encoding are all a 400. RFC 9112 2.2 lets a server
 * accept a bare LF as a line end; this one refuses it, and bare CR too, as soon as the byte after
 * it arrives: a head, chunk size line or trailer written with bare LFs would otherwise never show
 * the CRLF it waits for, and the client would wait for a 408 instead of hearing at once what is wrong.
 */
final class RequestParser {
    /** Request line, headers and the blank line after them, all together. */
    static final int MAX_HEADER_BYTES = 8192;
    private static final int MAX_CHUNK_LINE = 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END_OF_HEADERS = {'\r', '\n', '\r', '\n'};

    private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS }

    private final long maxBody;
    private State state = State.HEAD;
    private long scanned;            // header bytes already searched for the blank line
    private long lineEndsChecked;    // header bytes already searched for a bare CR or LF
    private RequestHead head;
    private long remaining;          // bytes left of the body or of the current chunk
    private long bodyLength;
    private long trailerBytes;
    private boolean continueOwed;    // the client waits for "100 Continue" before sending its body
    private List<IoBuffer> body = new ArrayList<>();

    RequestParser(long maxBody) {
        this.maxBody = maxBody;
    }

    /** The next complete request, or null until more bytes arrive. */
    Request next(SegmentedBuffer in) throws HttpError {
        while (true) {
            switch (state) {
                case HEAD -> {
                    if (!readHead(in)) {
                        return null;
                    }
                    if (head.chunked()) {
                        state = State.CHUNK_SIZE;
                    } else if (head.contentLength() > 0) {
                        state = State.BODY;
                        remaining = head.contentLength();
                    } else {
                        return complete();
                    }
                }
                case BODY -> {
                    if (!readData(in)) {
                        return null;
                    }
                    return complete();
                }
                case CHUNK_SIZE -> {
                    if (!readChunkSize(in)) {
                        return null;
                    }
                }
                case CHUNK_DATA -> {
                    if (!readData(in)) {
                        return null;
                    }
                    state = State.CHUNK_END;
                }
                case CHUNK_END -> {
                    if (in.readableBytes() < 2) {
                        return null;
                    }
                    if (in.getByte(0) != '\r' || in.getByte(1) != '\n') {
                        throw new HttpError(400, "chunk data not followed by CRLF");
                    }
                    in.skip(2);
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    if (!readTrailers(in)) {
                        return null;
                    }
                    return complete();
                }
            }
        }
    }

    /** True while between requests with nothing of the next one received: an idle connection. */
    boolean idle(SegmentedBuffer in) {
        return state == State.HEAD && in.readableBytes() == 0;
    }

    /** True while the request line and headers are still arriving. */
    boolean readingHead() {
        return state == State.HEAD;
    }

    /**
     * The body size the client has announced so far: its Content-Length, or for a chunked body
     * the sizes of the chunks begun so far. It only grows, and never past the largest body allowed.
     */
    long bodyBytesAnnounced() {
        return bodyLength + (state == State.BODY || state == State.CHUNK_DATA ? remaining : 0);
    }

    /** Body bytes received so far of the request being read. */
    long bodyBytesReceived() {
        return bodyLength;
    }

    /** True once per request whose client asked to be told to go on with its body (Expect: 100-continue). */
    boolean takeContinue() {
        boolean owed = continueOwed;
        continueOwed = false;
        return owed;
    }

    /** Gives back body blocks of a request that will never complete. */
    void release() {
        body.forEach(IoBuffer::release);
        body.clear();
    }

    private boolean readHead(SegmentedBuffer in) throws HttpError {
        // RFC 9112 2.2: empty lines before a request line are ignored (old clients sent CRLF after a POST body).
        while (scanned == 0 && in.readableBytes() >= 2 && in.getByte(0) == '\r' && in.getByte(1) == '\n') {
            in.skip(2);
            lineEndsChecked = 0;
        }
        long end = in.indexOf(END_OF_HEADERS, scanned, MAX_HEADER_BYTES);
        long headBytes = end < 0 ? Math.min(in.readableBytes(), MAX_HEADER_BYTES) : end + END_OF_HEADERS.length;
        refuseBareLineEnd(in, lineEndsChecked, headBytes, "request head");
        lineEndsChecked = end < 0 ? headBytes : 0;
        if (end < 0) {
            if (in.readableBytes() >= MAX_HEADER_BYTES) {
                throw new HttpError(431, "request header section over " + MAX_HEADER_BYTES + " bytes");
            }
            scanned = Math.max(0, in.readableBytes() - (END_OF_HEADERS.length - 1));
            return false;
        }
        scanned = 0;
        String requestLine = readLine(in);
        List<Request.Header> headers = new ArrayList<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            headers.add(RequestHead.parseField(line));
        }
        head = RequestHead.interpret(requestLine, headers, maxBody);
        continueOwed = head.expectContinue() && (head.chunked() || head.contentLength() > 0) && in.readableBytes() == 0;
        return true;
    }

    /** Moves what has arrived of the body (or of the current chunk) out of the input, block by block. */
    private boolean readData(SegmentedBuffer in) {
        long n = Math.min(remaining, in.readableBytes());
        in.readBuffers(n, body); // whole blocks change hands; only an edge is copied
        remaining -= n;
        bodyLength += n;
        return remaining == 0;
    }

    private boolean readChunkSize(SegmentedBuffer in) throws HttpError {
        long end = in.indexOf(CRLF, 0, MAX_CHUNK_LINE);
        refuseBareLineEnd(in, 0, end < 0 ? MAX_CHUNK_LINE : end + CRLF.length, "chunk size line");
        if (end < 0) {
            if (in.readableBytes() >= MAX_CHUNK_LINE) {
                throw new HttpError(400, "chunk size line over " + MAX_CHUNK_LINE + " bytes");
            }
            return false;
        }
        String line = readLine(in);
        int semicolon = line.indexOf(';'); // chunk extensions carry nothing we use
        String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).stripTrailing();
        if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new HttpError(400, "bad chunk size '" + RequestHead.printable(line) + "'");
        }
        long size = Long.parseLong(hex, 16);
        if (size == 0) {
            state = State.TRAILERS;
            trailerBytes = 0;
        } else if (bodyLength + size > maxBody) {
            throw new HttpError(413, "request body over " + maxBody + " bytes");
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    /** Trailer fields after the last chunk are checked for syntax and dropped; a blank line ends them. */
    private boolean readTrailers(SegmentedBuffer in) throws HttpError {
        while (true) {
            long end = in.indexOf(CRLF, 0, MAX_HEADER_BYTES);
            refuseBareLineEnd(in, 0, end < 0 ? MAX_HEADER_BYTES : end + CRLF.length, "trailer section");
            if (end < 0 || trailerBytes + end > MAX_HEADER_BYTES) {
                if (in.readableBytes() >= MAX_HEADER_BYTES || trailerBytes + in.readableBytes() > MAX_HEADER_BYTES) {
                    throw new HttpError(431, "trailer section over " + MAX_HEADER_BYTES + " bytes");
                }
                return false;
            }
            trailerBytes += end + 2;
            String line = readLine(in);
            if (line.isEmpty()) {
                return true;
            }
            RequestHead.parseField(line);
        }
    }

    /** A line end other than CRLF among bytes {@code [from, to)} is a 400 now, not a wait for a CRLF that never comes. */
    private static void refuseBareLineEnd(SegmentedBuffer in, long from, long to, String where) throws HttpError {
        long at = LineEnds.indexOfBareLineEnd(in, from, to);
        if (at >= 0) {
            String what = in.getByte(at) == '\n' ? "bare LF" : "bare CR";
            throw new HttpError(400, what + " at byte " + at + " of the " + where + "; lines must end with CRLF");
        }
    }

    private Request complete() {
        Request request = new Request(head.method(), head.target(), pathOf(head.target()), head.http11(),
                head.headers(), head.keepAlive(), body, bodyLength);
        state = State.HEAD;
        head = null;
        body = new ArrayList<>();
        bodyLength = 0;
        continueOwed = false;
        return request;
    }

    /** A line whose CRLF the caller knows is there, without it. Bare CR or LF inside is a 400 later. */
    private static String readLine(SegmentedBuffer in) {
        long end = in.indexOf(CRLF, 0, Long.MAX_VALUE);
        String line = in.readString((int) end, StandardCharsets.ISO_8859_1); // header lines are octets, not UTF-8
        in.skip(2);
        return line;
    }

    private static String pathOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }
}
