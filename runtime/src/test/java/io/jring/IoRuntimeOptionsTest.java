package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The buffer memory cap's option, its system property and their validation. */
class IoRuntimeOptionsTest {
    @Test
    void theCapDefaultsTo256MiBAndCanBeChanged() {
        assertEquals(256L << 20, IoRuntimeOptions.DEFAULT_MAX_BUFFER_MEMORY);
        assertEquals(1L << 30, IoRuntimeOptions.defaults().withMaxBufferMemory(1L << 30).maxBufferMemory());
        assertEquals(1L << 30, IoRuntimeOptions.defaults().withMaxBufferMemory(1L << 30).withThreads(3)
                .withBuffers(8192, 64, 32).maxBufferMemory(), "other options keep the cap");
    }

    @Test
    void aCapBelowOneBufferIsRefused() {
        IoRuntimeOptions options = IoRuntimeOptions.defaults();
        for (long bad : new long[] {-1, 0, options.bufferSize() - 1L}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> options.withMaxBufferMemory(bad));
            assertTrue(e.getMessage().contains("maxBufferMemory") && e.getMessage().contains(Long.toString(bad)),
                    e.getMessage());
        }
        assertEquals(options.bufferSize(), options.withMaxBufferMemory(options.bufferSize()).maxBufferMemory());
    }

    @Test
    void thePropertyTakesBytesOrASuffixAndNamesItselfWhenWrong() {
        String saved = System.getProperty("jring.buffers.maxMemory");
        try {
            System.setProperty("jring.buffers.maxMemory", "512m");
            assertEquals(512L << 20, IoRuntimeOptions.defaults().maxBufferMemory());
            System.setProperty("jring.buffers.maxMemory", "2G");
            assertEquals(2L << 30, IoRuntimeOptions.maxBufferMemoryByProperty());
            System.setProperty("jring.buffers.maxMemory", "1048576");
            assertEquals(1L << 20, IoRuntimeOptions.maxBufferMemoryByProperty());
            for (String bad : new String[] {"lots", "-5m", "0", "m", "99999999999g"}) {
                System.setProperty("jring.buffers.maxMemory", bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        IoRuntimeOptions::maxBufferMemoryByProperty, bad);
                assertTrue(e.getMessage().contains("jring.buffers.maxMemory") && e.getMessage().contains(bad),
                        e.getMessage());
            }
            System.clearProperty("jring.buffers.maxMemory");
            assertEquals(IoRuntimeOptions.DEFAULT_MAX_BUFFER_MEMORY, IoRuntimeOptions.maxBufferMemoryByProperty());
        } finally {
            if (saved == null) {
                System.clearProperty("jring.buffers.maxMemory");
            } else {
                System.setProperty("jring.buffers.maxMemory", saved);
            }
        }
    }
}
