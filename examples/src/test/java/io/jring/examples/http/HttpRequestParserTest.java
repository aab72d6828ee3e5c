package io.jring.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.IoBuffer;
import io.jring.SegmentedBuffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The parser fed a pipeline cut at every possible byte, on 64-byte blocks, and fed bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class HttpRequestParserTest {
    private static final String PIPELINE = "GET /json?x=1 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + "0123456789".repeat(10)
            + "\r\n" // a stray CRLF between requests is ignored
            + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n4b;name=value\r\n" + "z".repeat(0x4b) + "\r\n0\r\nX-Trailer: yes\r\n\r\n"
            + "GET /last HTTP/1.0\r\n\r\n"
            + "GET http://t:8080/abs?q HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final List<String> EXPECTED = List.of("GET /json?x=1 /json keep-alive ''",
            "POST /echo /echo keep-alive '" + "0123456789".repeat(10) + "'",
            "POST /echo /echo keep-alive 'hello" + "z".repeat(0x4b) + "'",
            "GET /last /last close ''", "GET /abs?q /abs keep-alive ''");
    private TinyBlocks blocks;

    @BeforeAll
    void open() throws Exception {
        blocks = new TinyBlocks();
    }

    @AfterAll
    void close() throws Exception {
        blocks.close();
    }

    @Test
    void aPipelineCutAtEveryByteParsesTheSame() throws Exception {
        byte[] bytes = PIPELINE.getBytes(StandardCharsets.ISO_8859_1);
        int baseline = blocks.inUse();
        for (int cut = 0; cut <= bytes.length; cut++) {
            assertEquals(EXPECTED, parseInPieces(bytes, cut), "cut at " + cut);
        }
        for (int step : new int[] {1, 2, 3, 7, 13}) { // many small arrivals, each parsed as it comes
            int[] cuts = new int[bytes.length / step];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = (i + 1) * step;
            }
            assertEquals(EXPECTED, parseInPieces(bytes, cuts), "pieces of " + step);
        }
        assertEquals(baseline, blocks.inUse(), "every block went back to the pool");
    }

    /** Appends the pieces one at a time, collecting whatever requests each arrival completes. */
    private List<String> parseInPieces(byte[] bytes, int... cuts) throws HttpError {
        SegmentedBuffer in = new SegmentedBuffer(blocks::allocate);
        RequestParser parser = new RequestParser(1 << 20);
        List<String> seen = new ArrayList<>();
        List<IoBuffer> pieces = blocks.pieces(bytes, cuts);
        for (IoBuffer piece : pieces) {
            in.append(piece);
            for (Request r = parser.next(in); r != null; r = parser.next(in)) {
                seen.add(r.method() + " " + r.target() + " " + r.path() + " " + (r.keepAlive() ? "keep-alive" : "close")
                        + " '" + body(r) + "'");
                r.releaseBody();
            }
        }
        assertTrue(parser.idle(in));
        in.release();
        return seen;
    }

    private static String body(Request r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.body().forEach(b -> out.writeBytes(b.toByteArray()));
        assertEquals(r.bodyLength(), out.size());
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void badInputIsRefusedWithTheRightStatus() {
        int baseline = blocks.inUse();
        assertStatus(400, "GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n");
        assertStatus(400, "GET / HTTP/1.1\r\n\r\n");
        assertStatus(505, "GET / HTTP/3.0\r\nHost: t\r\n\r\n");
        assertStatus(501, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n");
        assertStatus(413, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n");
        assertStatus(413, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + "a".repeat(1024)
                + "\r\n1\r\n");
        assertStatus(431, "GET / HTTP/1.1\r\nHost: t\r\nX: " + "v".repeat(RequestParser.MAX_HEADER_BYTES) + "\r\n\r\n");
        assertStatus(400, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n");
        assertEquals(baseline, blocks.inUse(), "refused requests leave no block behind");
    }

    @Test
    void bareLineEndsAre400AsSoonAsTheyArrive() throws Exception {
        String post = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        int baseline = blocks.inUse();
        assertRefusedAt("GET / HTTP/1.1\nHost: t\n\n", 14, "bare LF");      // only LF line ends
        assertRefusedAt("GET / HTTP/1.1\r\nHost: t\n\r\n", 23, "bare LF");  // one line with LF only
        assertRefusedAt("\nGET / HTTP/1.1\r\nHost: t\r\n\r\n", 0, "bare LF"); // not an ignorable empty line
        assertRefusedAt("GET / HTTP/1.1\rHost: t\r\r", 15, "bare CR");       // judged by the byte after the CR
        assertRefusedAt(post + "5\nhello\n0\n\n", post.length() + 1, "bare LF");
        assertRefusedAt(post + "0\r\nX-Trailer: yes\n\n", post.length() + 17, "bare LF");
        assertEquals(baseline, blocks.inUse(), "refused requests leave no block behind");
    }

    /** Feeds {@code input} a byte at a time: the parser must wait up to byte {@code at} and refuse it with a 400. */
    private void assertRefusedAt(String input, int at, String why) throws Exception {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        SegmentedBuffer in = new SegmentedBuffer(blocks::allocate);
        RequestParser parser = new RequestParser(1024);
        try {
            for (int i = 0; i < bytes.length; i++) {
                in.append(blocks.block(bytes, i, i + 1));
                if (i < at) {
                    assertNull(parser.next(in), "complete at byte " + i + " of " + RequestHead.printable(input));
                } else {
                    HttpError e = assertThrows(HttpError.class, () -> parser.next(in), "byte " + i + " of " + input);
                    assertEquals(400, e.status(), e.getMessage());
                    assertTrue(e.getMessage().contains(why), e.getMessage());
                    return;
                }
            }
            throw new AssertionError("never refused: " + RequestHead.printable(input));
        } finally {
            parser.release();
            in.release();
        }
    }

    @Test
    void headersOfExactly8KiBPassOnceTheirLastByteArrives() throws Exception {
        String start = "GET / HTTP/1.1\r\nHost: t\r\nX: ";
        String fits = start + "v".repeat(RequestParser.MAX_HEADER_BYTES - start.length() - 4) + "\r\n\r\n";
        assertEquals(RequestParser.MAX_HEADER_BYTES, fits.length());
        byte[] bytes = fits.getBytes(StandardCharsets.ISO_8859_1);
        int baseline = blocks.inUse();
        SegmentedBuffer in = new SegmentedBuffer(blocks::allocate);
        RequestParser parser = new RequestParser(1024);
        blocks.pieces(java.util.Arrays.copyOf(bytes, bytes.length - 1)).forEach(in::append);
        assertNull(parser.next(in), "not complete yet");
        assertFalse(parser.idle(in));
        in.append(blocks.block(bytes, bytes.length - 1, bytes.length));
        Request r = parser.next(in);
        assertEquals("/", r.path());
        assertEquals("v".repeat(RequestParser.MAX_HEADER_BYTES - start.length() - 4), r.header("x"));
        assertTrue(parser.idle(in));
        assertEquals(baseline, blocks.inUse());
    }

    private void assertStatus(int status, String input) {
        SegmentedBuffer in = new SegmentedBuffer(blocks::allocate);
        RequestParser parser = new RequestParser(1024);
        blocks.pieces(input.getBytes(StandardCharsets.ISO_8859_1)).forEach(in::append);
        HttpError e = assertThrows(HttpError.class, () -> parser.next(in), input);
        assertEquals(status, e.status(), e.getMessage());
        parser.release();
        in.release();
    }
}
