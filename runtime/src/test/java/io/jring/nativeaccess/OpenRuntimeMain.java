package io.jring.nativeaccess;

import io.jring.IoRuntime;
import io.jring.IoRuntimeOptions;
import java.io.IOException;

/**
 * NativeAccessTest's child: opens a runtime and prints one line saying what happened. In a
 * package of its own so that it also runs beside the {@code io.jring} module on the module path
 * (a class-path class in package {@code io.jring} would be hidden by the module's package).
 */
public final class OpenRuntimeMain {
    private OpenRuntimeMain() {}

    public static void main(String[] args) {
        try (IoRuntime runtime = IoRuntime.open(IoRuntimeOptions.defaults().withThreads(1))) {
            System.out.println("opened backend=" + runtime.backend());
        } catch (IllegalCallerException e) {
            System.out.println("refused: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            System.out.println("failed: " + e.getMessage());
        }
    }
}
