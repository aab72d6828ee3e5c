package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Many threads sending at once. Records are fixed-size, {@code [sender][seq][connection][checksum]}
 * plus filler that depends on all three, so a record torn by interleaving, a lost or a repeated
 * record, or one out of its sender's order is caught.
 */
public abstract class ConcurrentSendContract extends RuntimeTestBase {
    private static final int RECORD = 1000; // not a divisor of the 16 KiB block, so records straddle reads
    private static final int THREADS = 8;
    private static final int PER_THREAD = 200;

    static byte[] record(int sender, int seq, int connection) {
        ByteBuffer record = ByteBuffer.allocate(RECORD);
        record.putInt(sender).putInt(seq).putInt(connection).putInt(0);
        for (int i = 16; i < RECORD; i++) {
            record.put(i, (byte) (sender * 131 + seq * 31 + connection * 7 + i));
        }
        return record.array();
    }

    /** Checks a stream of records from {@code senders} threads: each intact, each sender's in order, none missing. */
    static void verifyRecords(byte[] stream, int senders, int perSender, int connection) {
        assertEquals(senders * perSender * RECORD, stream.length, "bytes received on connection " + connection);
        int[] next = new int[senders];
        for (int at = 0; at < stream.length; at += RECORD) {
            ByteBuffer record = ByteBuffer.wrap(stream, at, RECORD);
            int sender = record.getInt(at);
            int seq = record.getInt(at + 4);
            int recordNumber = at / RECORD;
            assertTrue(sender >= 0 && sender < senders, "record " + recordNumber + ": torn or garbage (sender " + sender + ")");
            assertEquals(next[sender], seq, "record " + recordNumber + ": sender " + sender + " out of order");
            assertEquals(connection, record.getInt(at + 8), "record " + recordNumber + ": wrong connection");
            byte[] expected = record(sender, seq, connection);
            for (int i = 16; i < RECORD; i++) {
                if (stream[at + i] != expected[i]) {
                    throw new AssertionError("record " + recordNumber + " (sender " + sender + ", seq " + seq
                            + ") torn at byte " + i);
                }
            }
            next[sender]++;
        }
        for (int s = 0; s < senders; s++) {
            assertEquals(perSender, next[s], "records from sender " + s);
        }
    }

    /** One sender thread: mixes the three ways to send (bytes, a pooled buffer, a gather of two buffers). */
    private static List<CompletableFuture<Void>> sendAll(Connection connection, int sender, int connectionIndex, int count) {
        List<CompletableFuture<Void>> sends = new ArrayList<>(count);
        int seq = 0;
        while (seq < count) {
            switch (seq % 3) {
                case 0 -> sends.add(connection.send(record(sender, seq++, connectionIndex)));
                case 1 -> sends.add(connection.send(connection.allocate().write(record(sender, seq++, connectionIndex))));
                default -> {
                    IoBuffer a = connection.allocate().write(record(sender, seq++, connectionIndex));
                    if (seq < count) {
                        byte[] second = record(sender, seq++, connectionIndex);
                        IoBuffer b = connection.allocate().write(second, 0, 300);
                        IoBuffer c = connection.allocate().write(second, 300, RECORD - 300);
                        sends.add(connection.sendv(a, b, c)); // one record split over two buffers
                    } else {
                        sends.add(connection.sendv(a));
                    }
                }
            }
        }
        return sends;
    }

    @Test
    void manyThreadsSendingOnOneConnectionNeverInterleaveRecords() throws Exception {
        IoRuntime runtime = open(2);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress()));
        Connection connection = Await.get(accepted);
        int baseline = idleBaseline(runtime);

        Queue<CompletableFuture<Void>> sends = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int sender = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                sends.addAll(sendAll(connection, sender, 0, PER_THREAD));
            }, "sender-" + t);
            thread.start();
            senders.add(thread);
        }
        start.countDown();
        byte[] stream = peer.readExactly(THREADS * PER_THREAD * RECORD);
        for (Thread thread : senders) {
            thread.join(10_000);
        }
        sends.forEach(Await::get);
        verifyRecords(stream, THREADS, PER_THREAD, 0);
        Await.get(connection.close());
        assertEquals(-1, peer.in.read());
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void manyThreadsSendingOnManyConnections() throws Exception {
        int connections = 6;
        IoRuntime runtime = open(2);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        List<Connection> serverSide = new ArrayList<>();
        List<PeerSocket> peers = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            CompletableFuture<Connection> accepted = accept(listener);
            peers.add(closeLater(connectPeer(listener.localAddress())));
            serverSide.add(Await.get(accepted));
        }
        int baseline = idleBaseline(runtime);
        int perThread = 60;
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS + connections)) {
            List<Future<byte[]>> readers = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                PeerSocket peer = peers.get(c);
                readers.add(pool.submit(() -> peer.readExactly(THREADS * perThread * RECORD)));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<CompletableFuture<Void>>>> senders = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int sender = t;
                senders.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<Void>> all = new ArrayList<>();
                    // Every thread sends to every connection, interleaving connections record by record.
                    for (int seq = 0; seq < perThread; seq++) {
                        for (int c = 0; c < connections; c++) {
                            Connection connection = serverSide.get(c);
                            byte[] record = record(sender, seq, c);
                            all.add(seq % 2 == 0 ? connection.send(record)
                                    : connection.send(connection.allocate().write(record)));
                        }
                    }
                    return all;
                }));
            }
            start.countDown();
            for (int c = 0; c < connections; c++) {
                verifyRecords(Await.get(readers.get(c), Duration.ofSeconds(40)), THREADS, perThread, c);
            }
            for (Future<List<CompletableFuture<Void>>> sender : senders) {
                Await.get(sender).forEach(Await::get);
            }
        }
        for (Connection connection : serverSide) {
            Await.get(connection.close());
        }
        assertBuffersBackTo(runtime, baseline);
    }

    @Test
    void sendsFromTheLoopThreadAndOtherThreadsKeepEachSendersOrder() throws Exception {
        IoRuntime runtime = open(1);
        Listener listener = runtime.listen(LOOPBACK_ANY_PORT);
        CompletableFuture<Connection> accepted = accept(listener);
        PeerSocket peer = closeLater(connectPeer(listener.localAddress()));
        Connection connection = Await.get(accepted);
        int perSender = 300;
        // Sender 0 runs on the connection's own loop thread (through its executor); sender 1 on a platform thread.
        CompletableFuture<List<CompletableFuture<Void>>> fromLoop = CompletableFuture.supplyAsync(
                () -> sendAll(connection, 0, 0, perSender), connection.executor());
        CompletableFuture<List<CompletableFuture<Void>>> fromThread = CompletableFuture.supplyAsync(
                () -> sendAll(connection, 1, 0, perSender));
        byte[] stream = peer.readExactly(2 * perSender * RECORD);
        verifyRecords(stream, 2, perSender, 0);
        Await.get(fromLoop).forEach(Await::get);
        Await.get(fromThread).forEach(Await::get);
    }
}
