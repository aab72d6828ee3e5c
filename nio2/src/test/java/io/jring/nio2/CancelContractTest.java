package io.jring.nio2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Future.cancel on reads and writes. The specification lets an implementation close the
 * channel or refuse further operations; each provider's choice is stated and checked here.
 */
class CancelContractTest {

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCancelledReadTakesNoBytes(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            Future<Integer> read = pair.accepted.read(dst);
            assertTrue(read.cancel(false));
            assertTrue(read.isCancelled());
            assertThrows(CancellationException.class, read::get);
            assertFalse(read.cancel(false), "cancelled once");
            Io.writeFully(pair.client, "kept");
            if (flavor.isJdk()) {
                // the JDK's cancelled read may still fill the buffer, so it refuses further reads
                assertThrows(IllegalStateException.class, () -> pair.accepted.read(ByteBuffer.allocate(8)));
            } else {
                // jring keeps a cancelled receive's bytes for the next read
                assertEquals("kept", Io.readString(pair.accepted, 4));
                assertEquals(0, dst.position(), "a cancelled read never fills its buffer");
                assertTrue(pair.accepted.isOpen(), "jring's cancel never closes the channel");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aCancelledWriteStopsFurtherWrites(Flavor flavor) throws Exception {
        try (Pair pair = Pair.open(flavor)) {
            Future<Integer> stuck = FailureContractTest.fillUntilAWriteWaits(pair.client);
            assertTrue(stuck.cancel(false));
            assertThrows(IllegalStateException.class, () -> pair.client.write(ByteBuffer.allocate(1)),
                    "part of a cancelled write may have gone out: writing is refused from now on");
        }
    }
}
