package io.jring.nio2;

import io.jring.ConnectionClosedException;
import io.jring.NativeIoException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Turns jring's exceptions into the ones java.nio.channels specifies, keeping jring's as the cause. */
final class Errors {
    private Errors() {}

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** A read, write or accept failure; {@code channelOpen} tells a local close from a dead connection. */
    static Throwable forIo(Throwable error, boolean channelOpen) {
        Throwable e = unwrap(error);
        if (e instanceof TimeoutException) {
            return withCause(new InterruptedByTimeoutException(), e);
        }
        if (e instanceof ConnectionClosedException) {
            return withCause(channelOpen ? new ClosedChannelException() : new AsynchronousCloseException(), e);
        }
        return e;
    }

    /** A connect failure: refused and timed out are {@link ConnectException}, as the JDK reports them. */
    static Throwable forConnect(Throwable error, SocketAddress remote) {
        Throwable e = unwrap(error);
        if (e instanceof NativeIoException n) {
            String where = n.getMessage() + " (" + remote + ")";
            return switch (n.errnoName()) {
                case "ECONNREFUSED", "ETIMEDOUT" -> withCause(new ConnectException(where), n);
                case "EHOSTUNREACH", "ENETUNREACH" -> withCause(new NoRouteToHostException(where), n);
                default -> n;
            };
        }
        return forIo(e, true);
    }

    /** A bind failure: EADDRINUSE and EADDRNOTAVAIL are {@link BindException}, as the JDK reports them. */
    static IOException forBind(IOException error) {
        if (error instanceof NativeIoException n
                && (n.errnoName().equals("EADDRINUSE") || n.errnoName().equals("EADDRNOTAVAIL"))) {
            return withCause(new BindException(n.getMessage()), n);
        }
        return error;
    }

    /** Checks an address the way the JDK's channels do, and returns it as an InetSocketAddress. */
    static InetSocketAddress checkAddress(SocketAddress address) {
        if (address == null) {
            throw new NullPointerException("address");
        }
        if (!(address instanceof InetSocketAddress inet)) {
            throw new UnsupportedAddressTypeException();
        }
        if (inet.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return inet;
    }

    private static <T extends Throwable> T withCause(T error, Throwable cause) {
        error.initCause(cause);
        return error;
    }
}
