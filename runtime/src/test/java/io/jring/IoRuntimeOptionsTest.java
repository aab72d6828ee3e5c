package io.jring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The buffer memory cap's and the zero-copy threshold's options, their system properties and their validation. */
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

    @Test
    void zeroCopyIsOffByDefaultAndTakesAThresholdOrTheProperty() {
        String saved = System.getProperty("jring.send.zeroCopyThreshold");
        try {
            System.clearProperty("jring.send.zeroCopyThreshold");
            assertEquals(0, IoRuntimeOptions.defaults().zeroCopySendThreshold());
            assertEquals(65536, IoRuntimeOptions.defaults().withZeroCopySendThreshold(65536).zeroCopySendThreshold());
            assertEquals(65536, IoRuntimeOptions.defaults().withZeroCopySendThreshold(65536).withThreads(2)
                    .withMaxBufferMemory(1L << 30).zeroCopySendThreshold(), "another with* dropped the threshold");
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> IoRuntimeOptions.defaults().withZeroCopySendThreshold(-1));
            assertTrue(negative.getMessage().contains("zeroCopySendThreshold"), negative.getMessage());
            System.setProperty("jring.send.zeroCopyThreshold", "16384");
            assertEquals(16384, IoRuntimeOptions.defaults().zeroCopySendThreshold());
            System.setProperty("jring.send.zeroCopyThreshold", "lots");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, IoRuntimeOptions::defaults);
            assertTrue(bad.getMessage().contains("jring.send.zeroCopyThreshold") && bad.getMessage().contains("lots"),
                    bad.getMessage());
        } finally {
            if (saved == null) {
                System.clearProperty("jring.send.zeroCopyThreshold");
            } else {
                System.setProperty("jring.send.zeroCopyThreshold", saved);
            }
        }
    }
}
