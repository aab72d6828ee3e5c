package io.jring.bench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpTest {
    private static int count(Http.RequestCounter counter, String bytes) {
        int n = 0;
        for (byte b : bytes.getBytes(StandardCharsets.US_ASCII)) {
            if (counter.feed(b)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void countsPipelinedRequests() {
        String one = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assertEquals(16, count(new Http.RequestCounter(), one.repeat(16)));
    }

    @Test
    void aRequestSplitAcrossReadsCountsOnceWhenItEnds() {
        Http.RequestCounter counter = new Http.RequestCounter();
        assertEquals(0, count(counter, "GET / HTTP/1.1\r\nHost: x\r"));
        assertEquals(0, count(counter, "\n\r"));
        assertEquals(1, count(counter, "\nGET / HTTP/1.1\r\n"));
        assertEquals(1, count(counter, "\r\n"));
    }

    @Test
    void lineBreaksInsideHeadersDoNotEndARequest() {
        assertEquals(0, count(new Http.RequestCounter(), "GET / HTTP/1.1\r\nA: b\r\nC: d\r\n\r"));
        assertEquals(0, count(new Http.RequestCounter(), "\r\r\n\n"));
    }

    @Test
    void theResponseIsTheOneEveryServerSends() {
        String r = new String(Http.RESPONSE, StandardCharsets.US_ASCII);
        assertEquals("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!", r);
    }
}
