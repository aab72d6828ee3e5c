package io.jring.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jring.NativeIoException;
import io.jring.bindings.Errno;
import io.jring.bindings.IoUringConstants;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the accept ops answer each errno, the same in both forms: an error about one half-made
 * connection goes on at once; any other ends the op once, its future failed with a {@link
 * NativeIoException} naming accept and the errno, and the shortages among them (which the
 * listener waits out and retries) are told apart by {@link AcceptOp#outOfResources}.
 */
class AcceptErrnoTest {
    private final StubOpContext context = new StubOpContext(null, false);

    @ParameterizedTest
    @ValueSource(ints = {Errno.EMFILE, Errno.ENFILE, Errno.ENOBUFS, Errno.ENOMEM})
    void aShortageEndsTheOpWithItsErrnoAndIsKnownAsOne(int errno) {
        assertTrue(AcceptOp.outOfResources(errno));
        AcceptOp accept = new AcceptOp(context, null, 3, 0);
        assertEquals(Op.FINISHED, accept.complete(-errno, 0));
        assertEquals(errno, failure(accept).errno());
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.FINISHED, stream.complete(-errno, 0));
        assertEquals(errno, failure(stream).errno());
    }

    @ParameterizedTest
    @ValueSource(ints = {Errno.ECONNABORTED, Errno.EINTR, Errno.EAGAIN})
    void aHalfMadeConnectionIsSkippedAtOnce(int errno) {
        AcceptOp accept = new AcceptOp(context, null, 3, 0);
        assertEquals(Op.RESUBMIT, accept.complete(-errno, 0));
        assertFalse(accept.isDone());
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.RESUBMIT, stream.complete(-errno, 0));
        assertFalse(stream.isDone());
    }

    @ParameterizedTest
    @ValueSource(ints = {Errno.EBADF, Errno.EINVAL, Errno.ENOTSOCK})
    void anErrorAboutTheListeningSocketEndsTheStreamNamingAcceptAndTheErrno(int errno) {
        assertFalse(AcceptOp.outOfResources(errno));
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.FINISHED, stream.complete(-errno, 0));
        NativeIoException failure = failure(stream);
        assertEquals("accept", failure.syscall());
        assertEquals(errno, failure.errno());
        assertTrue(failure.getMessage().startsWith("accept: " + Errno.name(errno)), failure.getMessage());
    }

    @Test
    void anErrorAMultishotAcceptWentOnAfterLeavesItArmed() {
        AcceptStreamOp stream = new AcceptStreamOp(context, null, 3, connection -> {});
        assertEquals(Op.STILL_ARMED, stream.complete(-Errno.EMFILE, IoUringConstants.IORING_CQE_F_MORE));
        assertFalse(stream.isDone());
    }

    private static NativeIoException failure(Op<?> op) {
        ExecutionException e = assertThrows(ExecutionException.class, op::get);
        return assertInstanceOf(NativeIoException.class, e.getCause());
    }
}
