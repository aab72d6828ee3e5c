package io.jring.bindings;

/**
 * Run in a child JVM by {@code KernelSmokeTest}: prints what {@link LibUring#availability()}
 * says, so the test can check that a missing library is a value, not a crash.
 */
public final class AvailabilityMain {
    private AvailabilityMain() {}

    public static void main(String[] args) {
        LibUring.Availability availability = LibUring.availability();
        System.out.println("loaded=" + availability.loaded());
        System.out.println("requested=" + availability.requested());
        System.out.println("failure=" + availability.failure());
    }
}
