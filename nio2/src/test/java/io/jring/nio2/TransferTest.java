package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** 10 MiB each way through handler chains, direct buffers one way and heap the other, byte-exact. */
class TransferTest {
    private static final int SIZE = 10 << 20;

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void tenMebibytesArriveByteExactBothWays(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            byte[] payload = Payload.random(SIZE, 42);
            ByteBuffer direct = ByteBuffer.allocateDirect(SIZE).put(payload).flip();
            CompletableFuture<Void> upload = writeAll(pair.client, direct);
            CompletableFuture<byte[]> received = readAll(pair.accepted, SIZE, ByteBuffer.allocate(5000));
            CompletableFuture<Void> download = writeAll(pair.accepted, ByteBuffer.wrap(payload));
            CompletableFuture<byte[]> echoed = readAll(pair.client, SIZE, ByteBuffer.allocateDirect(64 * 1024));
            upload.get(60, TimeUnit.SECONDS);
            download.get(60, TimeUnit.SECONDS);
            assertEquals(SIZE, direct.position(), "every byte written, position at the end");
            assertArrayEquals(digest(payload), digest(received.get(60, TimeUnit.SECONDS)));
            assertArrayEquals(digest(payload), digest(echoed.get(60, TimeUnit.SECONDS)));
        }
    }

    private static byte[] digest(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    /** Writes until the buffer is empty, each write started from the previous one's handler. */
    static CompletableFuture<Void> writeAll(AsynchronousSocketChannel channel, ByteBuffer src) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.write(src, 0, TimeUnit.SECONDS, null, new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer n, Void attachment) {
                if (src.hasRemaining()) {
                    channel.write(src, 0, TimeUnit.SECONDS, null, this);
                } else {
                    done.complete(null);
                }
            }

            @Override
            public void failed(Throwable error, Void attachment) {
                done.completeExceptionally(error);
            }
        });
        return done;
    }

    /** Reads {@code size} bytes through {@code chunk}, each read started from the previous one's handler. */
    static CompletableFuture<byte[]> readAll(AsynchronousSocketChannel channel, int size, ByteBuffer chunk) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        ByteBuffer all = ByteBuffer.allocate(size);
        channel.read(chunk, 0, TimeUnit.SECONDS, null, new CompletionHandler<Integer, Void>() {
            @Override
            public void completed(Integer n, Void attachment) {
                if (n < 0) {
                    done.completeExceptionally(new AssertionError("end of stream after " + all.position()));
                    return;
                }
                all.put(chunk.flip());
                chunk.clear();
                if (all.hasRemaining()) {
                    chunk.limit(Math.min(chunk.capacity(), all.remaining()));
                    channel.read(chunk, 0, TimeUnit.SECONDS, null, this);
                } else {
                    done.complete(all.array());
                }
            }

            @Override
            public void failed(Throwable error, Void attachment) {
                done.completeExceptionally(error);
            }
        });
        return done;
    }
}
