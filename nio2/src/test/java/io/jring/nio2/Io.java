package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Small blocking helpers over the Future forms, every wait bounded. */
final class Io {
    private Io() {}

    static <T> T await(Future<T> future) throws Exception {
        return future.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** The cause a future failed with (it must fail). */
    static Throwable failure(Future<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> future.get(Pair.WAIT_SECONDS, TimeUnit.SECONDS));
        return e.getCause();
    }

    static void writeFully(AsynchronousSocketChannel channel, ByteBuffer src) throws Exception {
        while (src.hasRemaining()) {
            await(channel.write(src));
        }
    }

    static void writeFully(AsynchronousSocketChannel channel, String text) throws Exception {
        writeFully(channel, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Reads exactly {@code n} bytes (fails at an early end of stream). */
    static byte[] readExactly(AsynchronousSocketChannel channel, int n) throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(n);
        while (dst.hasRemaining()) {
            int count = await(channel.read(dst));
            if (count < 0) {
                throw new AssertionError("end of stream after " + dst.position() + " of " + n + " bytes");
            }
        }
        return dst.array();
    }

    /** The remaining bytes of {@code buffer} (consumed). */
    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    static String readString(AsynchronousSocketChannel channel, int n) throws Exception {
        return new String(readExactly(channel, n), StandardCharsets.UTF_8);
    }

    /** Every byte until end of stream. */
    static int readToEnd(AsynchronousSocketChannel channel) throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(8192);
        int total = 0;
        while (true) {
            dst.clear();
            int n = await(channel.read(dst));
            if (n < 0) {
                return total;
            }
            total += n;
        }
    }

    /** A handler that records its outcome, its attachment and its thread. */
    static final class Recorder<V> implements CompletionHandler<V, Object> {
        final CompletableFuture<V> outcome = new CompletableFuture<>();
        volatile Object attachment;
        volatile Thread thread;

        @Override
        public void completed(V result, Object attachment) {
            this.attachment = attachment;
            this.thread = Thread.currentThread();
            outcome.complete(result);
        }

        @Override
        public void failed(Throwable error, Object attachment) {
            this.attachment = attachment;
            this.thread = Thread.currentThread();
            outcome.completeExceptionally(error);
        }

        V result() throws Exception {
            return await(outcome);
        }

        Throwable error() {
            return failure(outcome);
        }
    }

    static void assertThreadFromPool(Thread thread, String prefix) {
        assertEquals(true, thread.getName().startsWith(prefix), "handler ran on " + thread.getName()
                + ", not on a thread of the group's pool (" + prefix + "*)");
    }
}
