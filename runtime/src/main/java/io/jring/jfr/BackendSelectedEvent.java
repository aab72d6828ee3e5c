package io.jring.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A runtime opened: which backend it runs, why not io_uring (if not), and what its ring got. */
@Name("jring.BackendSelected")
@Label("Backend Selected")
@Category("jring")
@Description("The backend an IoRuntime chose when it opened, and why")
@StackTrace(false)
final class BackendSelectedEvent extends jdk.jfr.Event {
    @Label("Runtime")
    @Description("The runtime's number in this process (1 for the first opened)")
    int runtime;

    @Label("Backend")
    String backend;

    @Label("Fallback Reason")
    @Description("Why the runtime is not on io_uring (forced, refused, missing); empty on io_uring")
    String fallbackReason;

    @Label("Loops")
    int loops;

    @Label("Settings")
    @Description("The first loop's driver: ring flags, sizes, buffers, recv mode")
    String settings;
}
