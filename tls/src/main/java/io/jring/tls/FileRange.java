package io.jring.tls;

import io.jring.AsyncFile;
import java.util.concurrent.CompletableFuture;

/**
 * What a TLS sendFile has left: the file, the next position, the bytes still wanted, and the
 * count sent so far. It lives in the send queue like any send, so sends called after the
 * sendFile leave after all of its bytes.
 */
final class FileRange {
    /** File bytes read per block: one pooled block's worth, encrypted and written before the next read. */
    static final int BLOCK = 16 << 10;

    final AsyncFile file;
    final CompletableFuture<Long> result;
    long position;
    long left;
    long sent;
    boolean reading;

    FileRange(AsyncFile file, long position, long count, CompletableFuture<Long> result) {
        this.file = file;
        this.position = position;
        this.left = count;
        this.result = result;
    }
}
