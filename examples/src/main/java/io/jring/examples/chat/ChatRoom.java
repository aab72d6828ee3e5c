package io.jring.examples.chat;

import io.jring.Connection;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everyone connected. Clients live on different loops, so the set is concurrent; a line is
 * handed to each other client's connection from the sender's loop thread (any thread may call
 * {@link Connection#send}), and each client decides for itself whether it can take it.
 */
public final class ChatRoom {
    private final Set<ChatClient> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger guests = new AtomicInteger();
    private final int maxLine;

    public ChatRoom(int maxLine) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("--max-line must be at least 1, got " + maxLine);
        }
        this.maxLine = maxLine;
    }

    /**
     * A new connection joins as guest-N and starts reading lines. Joins and leaves take turns
     * (clients on different loops may join at once), so the welcome's count and the "joined"
     * lines agree with who is in the room.
     *
     * <p>The newcomer is in the room before anyone is told it joined: the others' connections
     * may be on other loops, which send the "joined" line at once, so a client may read it and
     * answer before this method returns. Had the newcomer been added after the broadcast, that
     * answer would miss it (the chat test's Bob lost Alice's "hello" that way on epoll).
     */
    synchronized void join(Connection connection) {
        ChatClient client = new ChatClient(this, connection, "guest-" + guests.incrementAndGet(), maxLine);
        client.deliver(bytes("* you are " + client.name() + "; " + clients.size() + " others here\n"), 0);
        clients.add(client); // after its welcome, so the welcome is its first line
        broadcast(client, bytes("* " + client.name() + " joined\n"), 0);
        client.start();
    }

    synchronized void leave(ChatClient client) {
        if (clients.remove(client)) {
            broadcast(client, bytes("* " + client.name() + " left\n"), 0);
        }
    }

    /** Sends {@code lines} (holding {@code count} chat lines, 0 for a notice) to every client but {@code from}. */
    void broadcast(ChatClient from, byte[] lines, int count) {
        for (ChatClient client : clients) {
            if (client != from) {
                client.deliver(lines, count);
            }
        }
    }

    /** The most send bytes queued for any one client right now (the memory a slow reader can make us hold). */
    public long largestQueue() {
        long largest = 0;
        for (ChatClient client : clients) {
            largest = Math.max(largest, client.queuedBytes());
        }
        return largest;
    }

    /** Lines dropped so far for the client named {@code name} because it read too slowly; -1 if it is not here. */
    public long droppedFor(String name) {
        for (ChatClient client : clients) {
            if (client.name().equals(name)) {
                return client.dropped();
            }
        }
        return -1;
    }

    public int size() {
        return clients.size();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
