package io.jring.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A callback has held a loop thread past the blocked-loop threshold (the watchdog's WARNING). */
@Name("jring.BlockedLoop")
@Label("Blocked Loop")
@Category("jring")
@Description("A callback held an event loop thread longer than the blocked-loop threshold")
@StackTrace(false) // the watchdog's own stack says nothing: the loop thread's is in the field
final class BlockedLoopEvent extends jdk.jfr.Event {
    @Label("Loop")
    @Description("The loop thread's name")
    String loop;

    @Label("Held For")
    @Description("How long the loop had been held when this was seen")
    @Timespan(Timespan.NANOSECONDS)
    long heldFor;

    @Label("Threshold")
    @Timespan(Timespan.NANOSECONDS)
    long threshold;

    @Label("Stack")
    @Description("Where the loop thread was held")
    String stack;
}
