package io.jring.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An IoBuffer became garbage without release() (the leak tracker's LEAK warning). */
@Name("jring.BufferLeak")
@Label("Buffer Leak")
@Category("jring")
@Description("An IoBuffer was garbage-collected without release(); its block is lost to the pool until the runtime closes")
@StackTrace(false) // committed on the Cleaner thread: the allocation stack is in the field
final class BufferLeakEvent extends jdk.jfr.Event {
    @Label("Allocation Stack")
    @Description("Where the buffer was handed out")
    String stack;
}
