package io.jring.examples.herd;

import java.util.List;

/**
 * One row of the thundering-herd table: how listening sockets, epoll instances and threads are
 * wired together. Thread {@code t} waits on epoll instance {@code t % epollInstances}. With as
 * many sockets as instances, socket {@code i} is watched by instance {@code i} alone; otherwise
 * one side has a single member and every socket is watched by every instance (one socket in all
 * eight instances, or all eight sockets in the one instance).
 *
 * @param exclusive      listening sockets are registered with {@code EPOLLEXCLUSIVE}
 * @param reusePort      every listening socket sets {@code SO_REUSEPORT}
 * @param listenSockets  listening sockets, all bound to one loopback port
 * @param epollInstances epoll instances
 * @param threads        threads blocked in {@code epoll_wait}
 * @param article        the seed article's figures for this row, or null for a row it does not show
 */
record Scenario(boolean exclusive, boolean reusePort, int listenSockets, int epollInstances, int threads,
                Article article) {
    static final int THREADS = 8;

    /** What the article reports for a row: threads woken and accepts that succeeded per connection. */
    record Article(String woken, String acceptSuccess, boolean noHerd) {}

    Scenario {
        if (listenSockets > 1 && !reusePort) {
            throw new IllegalArgumentException("only SO_REUSEPORT lets several sockets listen on one port");
        }
        if (listenSockets != epollInstances && listenSockets != 1 && epollInstances != 1) {
            throw new IllegalArgumentException("pair sockets with instances one to one, or make one side single");
        }
        if (threads < 1 || threads > Integer.SIZE || epollInstances > threads) {
            throw new IllegalArgumentException("1 to 32 threads, at least one per epoll instance");
        }
    }

    /** The six rows of the seed article's table, in its order. */
    static List<Scenario> articleRows() {
        return List.of(
                row(false, false, 1, 1, new Article("1-2", "1", false)),
                row(false, false, 1, 8, new Article("3-8", "1", false)),
                row(false, true, 8, 1, new Article("1-2", "1", false)),
                row(false, true, 8, 8, new Article("1", "1", true)),
                row(true, false, 1, 1, new Article("1-2", "1", false)),
                row(true, false, 1, 8, new Article("1", "1", true)));
    }

    /** EPOLLEXCLUSIVE together with SO_REUSEPORT: combinations the article leaves out. */
    static List<Scenario> extraRows() {
        return List.of(row(true, true, 8, 1, null), row(true, true, 8, 8, null));
    }

    private static Scenario row(boolean exclusive, boolean reusePort, int sockets, int instances, Article article) {
        return new Scenario(exclusive, reusePort, sockets, instances, THREADS, article);
    }

    boolean watches(int epollInstance, int listenSocket) {
        return listenSockets != epollInstances || epollInstance == listenSocket;
    }

    int epollInstanceOf(int thread) {
        return thread % epollInstances;
    }

    /** "EPOLLEXCLUSIVE no, reuse_port yes, 8 listen sockets, 1 epoll instance, 8 threads". */
    String describe() {
        return "EPOLLEXCLUSIVE " + yesNo(exclusive) + ", reuse_port " + yesNo(reusePort) + ", "
                + count(listenSockets, "listen socket") + ", " + count(epollInstances, "epoll instance") + ", "
                + count(threads, "thread");
    }

    static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
