package io.jring;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of the 10,000-connection test, run in a child JVM (each end of a loopback
 * connection holds a descriptor, and one process may hold 20,000). Uses only the JDK.
 *
 * <p>{@code ManyClientsMain host port count}: opens all connections, then (all open) writes a
 * 16-byte message on each, then reads every echo, then prints one line
 * {@code RESULT opened=N echoed=N mismatched=N eof=N} and waits for a line on stdin before
 * closing everything and printing {@code CLOSED}. A watchdog ends the process after 150 s.
 */
public final class ManyClientsMain {
    private static final int MESSAGE = 16;

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(150_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("WATCHDOG the child ran too long");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();

        InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        SocketChannel[] channels = new SocketChannel[count];

        // Open: a few threads connecting in turn (fast on loopback, and never more SYNs in
        // flight than the accept queue takes).
        int threads = 4;
        AtomicInteger next = new AtomicInteger();
        List<Thread> openers = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread opener = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    try {
                        SocketChannel channel = SocketChannel.open();
                        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        channel.connect(address);
                        channels[i] = channel;
                    } catch (IOException | RuntimeException e) {
                        errors.add(new IOException("connection " + i + ": " + e, e));
                        return;
                    }
                }
            });
            opener.start();
            openers.add(opener);
        }
        for (Thread opener : openers) {
            opener.join();
        }
        int opened = 0;
        for (SocketChannel channel : channels) {
            if (channel != null && channel.isConnected()) {
                opened++;
            }
        }
        System.out.println("OPENED " + opened + (errors.isEmpty() ? "" : " first-error=" + errors.getFirst()));
        System.out.flush();

        // All open at once: now a message on each...
        for (int i = 0; i < count; i++) {
            if (channels[i] != null) {
                ByteBuffer message = message(i);
                while (message.hasRemaining()) {
                    channels[i].write(message);
                }
            }
        }
        // ...then every echo.
        int echoed = 0;
        int mismatched = 0;
        int eof = 0;
        ByteBuffer reply = ByteBuffer.allocate(MESSAGE);
        for (int i = 0; i < count; i++) {
            if (channels[i] == null) {
                continue;
            }
            reply.clear();
            boolean ended = false;
            while (reply.hasRemaining()) {
                if (channels[i].read(reply) < 0) {
                    ended = true;
                    break;
                }
            }
            if (ended) {
                eof++;
            } else if (reply.flip().equals(message(i))) {
                echoed++;
            } else {
                mismatched++;
            }
        }
        System.out.println("RESULT opened=" + opened + " echoed=" + echoed + " mismatched=" + mismatched + " eof=" + eof);
        System.out.flush();

        new BufferedReader(new InputStreamReader(System.in)).readLine();
        for (SocketChannel channel : channels) {
            if (channel != null) {
                channel.close();
            }
        }
        System.out.println("CLOSED");
        System.out.flush();
    }

    private static ByteBuffer message(int i) {
        return ByteBuffer.allocate(MESSAGE).putInt(i).putInt(~i).putLong(0x6a72696e67L * (i + 1)).flip();
    }

    private ManyClientsMain() {}
}
