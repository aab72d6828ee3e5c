package io.jring.op;

import io.jring.Datagram;

/** Where datagram receives deliver what the kernel gave them: the endpoint's receiver (loop thread). */
public interface DatagramSink {
    /** A datagram the multishot recvmsg received; the sink owns it now. */
    void received(Datagram datagram);

    /** The multishot recvmsg stopped with {@code -errno} (its last CQE). */
    void ended(long res);

    /** The datagram buffer ring was empty when a datagram came (ENOBUFS): it waits in the socket. */
    void outOfBuffers();

    /** A receive was cancelled just as its datagram came: the datagram goes to the next receive. */
    void keep(Datagram datagram);
}
