package io.jring;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One seeded scenario: a few connections between jring ends and a few between jring and plain
 * sockets, every direction a checked stream with its actors; some links are closed or reset
 * mid-stream. Runs until every actor is done (bounded), closes everything, then reports what
 * the model says is wrong. The seed fixes every choice the actors make (sizes, forms, cancels,
 * deadlines, misuse, who closes when); thread timing still varies from run to run, which is
 * the point, so a failing seed is a place to look, not a guaranteed replay.
 */
final class ChaosScenario {
    /** How long all actors may take to finish; far above what a healthy run needs. */
    private static final long FINISH_BOUND_MILLIS = 25_000;
    /** How long the futures may take to complete once every connection is closed. */
    private static final long SETTLE_BOUND_MILLIS = 10_000;

    private final ChaosRun run;
    private final IoRuntime runtime;
    private final SplittableRandom random;
    private final List<ChaosActor> actors = new ArrayList<>();
    private final List<ChaosPeer> peers = new ArrayList<>();
    private final List<ChaosStream> streams = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final List<ChaosLink> links = new ArrayList<>();

    ChaosScenario(ChaosRun run, IoRuntime runtime) {
        this.run = run;
        this.runtime = runtime;
        this.random = new SplittableRandom(run.seed);
    }

    /** Runs the scenario; the problems it found are in {@link ChaosRun#problems()}. */
    void execute() throws Exception {
        Listener listener = runtime.listen(RuntimeTestBase.LOOPBACK_ANY_PORT);
        int jringLinks = 2 + random.nextInt(3);
        for (int i = 0; i < jringLinks; i++) {
            jringToJring("link " + i, listener);
        }
        int peerLinks = 1 + random.nextInt(2);
        for (int i = 0; i < peerLinks; i++) {
            jringToPeer("peer link " + i, listener);
        }
        actors.forEach(ChaosActor::start);
        peers.forEach(ChaosPeer::start);

        awaitActors();
        for (Thread loop : runtime.threadsForTesting()) {
            if (!loop.isAlive()) {
                run.problem("loop thread " + loop.getName() + " died (see its SEVERE log) [seed " + run.seed + "]");
            }
        }
        for (Connection connection : connections) {
            run.privately("cleanup close() of " + connection, connection.close());
        }
        peers.forEach(ChaosPeer::close);
        run.futures.problemsAfter(SETTLE_BOUND_MILLIS).forEach(run::problem);
        judge();
        try {
            listener.close().get(SETTLE_BOUND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            run.problem("listener.close() did not complete: " + e + " [seed " + run.seed + "]");
        }
    }

    /** Two jring ends, a stream each way; on one link in three, one of its four actors closes it mid-stream. */
    private void jringToJring(String name, Listener listener) {
        CompletableFuture<Connection> accepted = listener.accept();
        Connection client = Await.get(runtime.connect(listener.localAddress()));
        Connection server = Await.get(accepted);
        connections.add(client);
        connections.add(server);
        ChaosLink link = new ChaosLink(name);
        links.add(link);
        ChaosStream up = stream(name + " client->server", link);
        ChaosStream down = stream(name + " server->client", link);
        int closer = random.nextInt(3) == 0 ? random.nextInt(4) : -1;
        actors.add(new ChaosSender(run, link, client, up, random.split(), closeAt(closer == 0)));
        actors.add(new ChaosReceiver(run, link, server, up, random.split(), closeAt(closer == 1)));
        actors.add(new ChaosSender(run, link, server, down, random.split(), closeAt(closer == 2)));
        actors.add(new ChaosReceiver(run, link, client, down, random.split(), closeAt(closer == 3)));
    }

    /** A jring end and a plain socket; the socket resets some links, the jring end closes some others. */
    private void jringToPeer(String name, Listener listener) throws Exception {
        CompletableFuture<Connection> accepted = listener.accept();
        PeerSocket socket = PeerSocket.connect(listener.localAddress());
        Connection jring = Await.get(accepted);
        connections.add(jring);
        ChaosLink link = new ChaosLink(name);
        links.add(link);
        ChaosStream toPeer = stream(name + " jring->socket", link);
        ChaosStream fromPeer = stream(name + " socket->jring", link);
        int disruption = random.nextInt(4); // 0: the socket resets, 1: jring closes, else none
        actors.add(new ChaosSender(run, link, jring, toPeer, random.split(), -1));
        actors.add(new ChaosReceiver(run, link, jring, fromPeer, random.split(), closeAt(disruption == 1)));
        peers.add(new ChaosPeer(run, link, socket, fromPeer, toPeer, random.split(), disruption == 0));
    }

    private ChaosStream stream(String name, ChaosLink link) {
        ChaosStream stream = new ChaosStream(name, link);
        streams.add(stream);
        return stream;
    }

    private int closeAt(boolean closes) {
        return closes ? 1 + random.nextInt(30) : -1;
    }

    private void awaitActors() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINISH_BOUND_MILLIS);
        while (System.nanoTime() < deadline && !allDone()) {
            Thread.sleep(10);
        }
        for (ChaosActor actor : actors) {
            if (!actor.isDone()) {
                run.problem("not done after " + FINISH_BOUND_MILLIS + " ms: " + actor);
            }
        }
        for (ChaosPeer peer : peers) {
            if (!peer.isDone()) {
                run.problem("not done after " + FINISH_BOUND_MILLIS + " ms: " + peer);
            }
        }
    }

    private boolean allDone() {
        return actors.stream().allMatch(ChaosActor::isDone) && peers.stream().allMatch(ChaosPeer::isDone);
    }

    /** Every stream against its model, and every failure against the disruptions that explain it. */
    private void judge() {
        String seed = " [seed " + run.seed + "]";
        for (ChaosStream stream : streams) {
            String verdict = stream.verdict();
            if (verdict != null) {
                run.problem(verdict + seed);
            }
        }
        for (ChaosActor actor : actors) {
            if (actor.unexpected != null && !actor.link.disrupted()) {
                run.problem(actor + ": failed on a link nobody closed or reset: " + actor.unexpected);
            }
        }
        for (ChaosPeer peer : peers) {
            if (peer.unexpected != null && !peer.link.disrupted()) {
                run.problem(peer + seed + ": " + peer.unexpected);
            }
        }
    }

    /** A short description for the test's log: how much the scenario did. */
    String summary() {
        long bytes = streams.stream().mapToLong(ChaosStream::received).sum();
        return "seed " + run.seed + ": " + connections.size() + " jring connections, " + peers.size()
                + " plain sockets, " + streams.size() + " streams, " + bytes + " bytes received and checked, "
                + run.futures.size() + " futures; " + run.stats() + "; disrupted: "
                + links.stream().filter(ChaosLink::disrupted).map(ChaosLink::toString).toList();
    }
}
