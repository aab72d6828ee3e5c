package io.jring.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.ConnectionClosedException;
import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.IoUringConstants;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the accept ops answer each errno, the same way in both forms: a shortage pauses the op
 * (its submission ends, its future stays pending), an error about one half-made connection
 * goes on at once, and an error about the listening socket ends it, naming accept and the errno.
 */
class AcceptPauseTest {
    private final StubOpContext context = new StubOpContext(null, false);

    @ParameterizedTest
    @ValueSource(ints = {Errno.EMFILE, Errno.ENFILE, Errno.ENOBUFS, Errno.ENOMEM})
    void aShortagePausesAnAcceptWithoutEndingItsFuture(int errno) {
        AcceptOp accept = new AcceptOp(context, null, 3, 0);
        assertEquals(Op.FINISHED, accept.complete(-errno, 0));
        assertFalse(accept.isDone());
        assertEquals(errno, accept.pausedBy());
    }

    @ParameterizedTest
    @ValueSource(ints = {Errno.EMFILE, Errno.ENFILE, Errno.ENOBUFS, Errno.ENOMEM})
    void aShortagePausesAnAcceptStreamWithoutEndingIt(int errno) {
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.FINISHED, stream.complete(-errno, 0));
        assertFalse(stream.isDone());
        assertEquals(errno, stream.pausedBy());
    }

    @ParameterizedTest
    @ValueSource(ints = {Errno.ECONNABORTED, Errno.EINTR, Errno.EAGAIN})
    void aHalfMadeConnectionIsSkippedAtOnce(int errno) {
        AcceptOp accept = new AcceptOp(context, null, 3, 0);
        assertEquals(Op.RESUBMIT, accept.complete(-errno, 0));
        assertFalse(accept.isDone());
        assertEquals(0, accept.pausedBy());
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.RESUBMIT, stream.complete(-errno, 0));
        assertEquals(0, stream.pausedBy());
    }

    @ParameterizedTest
    @ValueSource(ints = {Errno.EBADF, Errno.EINVAL, Errno.ENOTSOCK})
    void anErrorAboutTheListeningSocketEndsTheStreamNamingAcceptAndTheErrno(int errno) throws Exception {
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.FINISHED, stream.complete(-errno, 0));
        NativeIoException failure = failure(stream);
        assertEquals("accept", failure.syscall());
        assertEquals(errno, failure.errno());
        assertTrue(failure.getMessage().startsWith("accept: " + Errno.name(errno)), failure.getMessage());
    }

    @Test
    void aShortageMetWhileClosingEndsTheOpForTheClose() {
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        stream.cancelBecause(new ConnectionClosedException("listener closed"));
        assertEquals(Op.FINISHED, stream.complete(-Errno.EMFILE, 0));
        assertTrue(stream.isCompletedExceptionally());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, stream::get);
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
    }

    @Test
    void anErrorAMultishotAcceptWentOnAfterLeavesItArmed() {
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.STILL_ARMED, stream.complete(-Errno.EMFILE, IoUringConstants.IORING_CQE_F_MORE));
        assertFalse(stream.isDone());
        assertEquals(0, stream.pausedBy());
    }

    private static NativeIoException failure(Op<?> op) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, op::get);
        return assertInstanceOf(NativeIoException.class, e.getCause());
    }
}
