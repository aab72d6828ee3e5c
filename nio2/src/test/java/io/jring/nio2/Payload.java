package io.jring.nio2;

import java.util.Random;

final class Payload {
    private Payload() {}

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
