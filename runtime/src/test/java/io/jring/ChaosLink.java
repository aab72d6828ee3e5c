package io.jring;

/**
 * One TCP connection of a scenario (both its ends). A link the schedule closes or resets
 * mid-stream is "disrupted": its operations may then fail with ConnectionClosedException,
 * ECONNRESET or EPIPE. On a link nobody disrupted, every send must succeed unless the test
 * cancelled it or gave it a deadline, and every receiver must reach a clean end of stream.
 */
final class ChaosLink {
    final String name;
    private volatile String disruption;

    ChaosLink(String name) {
        this.name = name;
    }

    /** Called before the close or reset it names, so that no failure it causes looks unexpected. */
    void disrupt(String how) {
        if (disruption == null) {
            disruption = how;
        }
    }

    boolean disrupted() {
        return disruption != null;
    }

    @Override
    public String toString() {
        return name + (disruption == null ? "" : " (" + disruption + ")");
    }
}
