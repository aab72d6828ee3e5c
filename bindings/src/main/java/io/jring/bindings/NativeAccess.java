package io.jring.bindings;

import java.lang.foreign.MemorySegment;

/**
 * Whether the JVM lets these bindings call restricted FFM methods, and the flag that grants it.
 *
 * <p>Without the grant the JDK warns by default, and throws {@link IllegalCallerException} under
 * {@code --illegal-native-access=deny} (the default of a future JDK). That exception names the
 * restricted method, not what to do; {@link #ensureGranted()} and every restricted call in this
 * module turn it into one that names the exact flag for the way the program was launched.
 */
public final class NativeAccess {
    private NativeAccess() {}

    /**
     * {@code --enable-native-access=io.jring.bindings} on the module path,
     * {@code --enable-native-access=ALL-UNNAMED} on the class path.
     */
    public static String flag() {
        Module module = NativeAccess.class.getModule();
        return "--enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
    }

    /**
     * Makes one harmless restricted call, so a denial surfaces here, before any library is
     * looked up (a denied lookup must not pass for a missing liburing and a quiet epoll fallback).
     *
     * @throws IllegalCallerException naming {@link #flag()} when the JVM denies native access
     */
    public static void ensureGranted() {
        if (NativeAccess.class.getModule().isNativeAccessEnabled()) {
            return;
        }
        try {
            MemorySegment.NULL.reinterpret(0); // without the grant: a warning, or under deny this throws
        } catch (IllegalCallerException e) {
            throw denied(e);
        }
    }

    /** The JDK's refusal, restated with the flag to add. */
    static IllegalCallerException denied(IllegalCallerException refusal) {
        Module module = NativeAccess.class.getModule();
        String where = module.isNamed() ? "module " + module.getName() : "the class path (unnamed module)";
        // The manifest entry only counts for the main jar of `java -jar`, which runs on the class path.
        String jarNote = module.isNamed() ? "" : " (an executable jar may instead say Enable-Native-Access: ALL-UNNAMED in its manifest)";
        return new IllegalCallerException("jring calls native code through the FFM API, and this JVM denies native access to "
                + where + ": add " + flag() + " to the java command line" + jarNote, refusal);
    }
}
