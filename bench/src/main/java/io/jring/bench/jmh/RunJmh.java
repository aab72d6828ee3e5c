package io.jring.bench.jmh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code ./jring bench jmh [pattern] [JMH options]}: JMH with short defaults (3 × 1 s warm-up,
 * 5 × 1 s measured, 1 fork) and the GC profiler on, so bytes allocated per operation are always
 * in the output. Any JMH option given on the command line wins over these defaults
 * ({@code -h} lists them; e.g. {@code -wi 0 -i 1 -r 200ms} for a smoke run).
 */
public final class RunJmh {
    public static void main(String[] args) throws RunnerException {
        List<String> argv = new ArrayList<>();
        List<String> given = Arrays.asList(args);
        addUnless(argv, given, "-wi", "3");
        addUnless(argv, given, "-w", "1s");
        addUnless(argv, given, "-i", "5");
        addUnless(argv, given, "-r", "1s");
        addUnless(argv, given, "-f", "1");
        if (!given.contains("-prof")) {
            argv.addAll(List.of("-prof", "gc"));
        }
        argv.addAll(given);
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(argv.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            System.err.println("jmh: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.shouldHelp()) {
            try {
                options.showHelp();
            } catch (java.io.IOException e) {
                throw new RunnerException(e);
            }
            return;
        }
        if (options.shouldList()) {
            new Runner(options).list();
            return;
        }
        new Runner(options).run();
    }

    private static void addUnless(List<String> argv, List<String> given, String option, String value) {
        if (!given.contains(option)) {
            argv.add(option);
            argv.add(value);
        }
    }

    private RunJmh() {}
}
