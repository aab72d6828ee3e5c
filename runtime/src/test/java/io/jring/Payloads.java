package io.jring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Test data: random payloads from a seed (reproducible) and a position-dependent byte pattern. */
final class Payloads {
    private Payloads() {}

    static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        int i = 0;
        while (i + 8 <= size) {
            long value = random.nextLong();
            for (int b = 0; b < 8; b++) {
                bytes[i++] = (byte) (value >>> (8 * b));
            }
        }
        while (i < size) {
            bytes[i++] = (byte) random.nextInt();
        }
        return bytes;
    }

    /** A size in [min, max], skewed so that small, block-sized and large sizes all come up. */
    static int size(SplittableRandom random, int min, int max) {
        return switch (random.nextInt(4)) {
            case 0 -> min + random.nextInt(Math.min(64, max - min + 1));
            case 1 -> Math.max(min, Math.min(max, 16384 + random.nextInt(-2, 3))); // around one pooled block
            default -> min + random.nextInt(max - min + 1);
        };
    }

    /**
     * The byte expected at stream offset {@code offset}: it changes with every position and
     * shifts every 2 KiB, so a lost, repeated or reordered chunk shows as a mismatch.
     */
    static byte patternAt(long offset) {
        return (byte) (offset * 31 + (offset >>> 11) * 7 + 1);
    }

    static void fillPattern(MemorySegment segment, long streamOffset) {
        for (long i = 0; i < segment.byteSize(); i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, patternAt(streamOffset + i));
        }
    }

    /** Index of the first byte of {@code actual} (at {@code streamOffset}) that breaks the pattern, or -1. */
    static long firstPatternMismatch(byte[] actual, int length, long streamOffset) {
        for (int i = 0; i < length; i++) {
            if (actual[i] != patternAt(streamOffset + i)) {
                return streamOffset + i;
            }
        }
        return -1;
    }

    /** A readable description of where two arrays first differ, or null if they are equal. */
    static String difference(byte[] expected, byte[] actual) {
        if (expected.length != actual.length) {
            return "length " + actual.length + ", expected " + expected.length;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                return "first difference at byte " + i + " of " + expected.length;
            }
        }
        return null;
    }
}
