package example;

// consumer-check.sh compiles this beside the consumer's own module-info and requires javac to
// refuse both imports: on the module path, jring's internals are not API.
import io.jring.loop.EventLoop;
import io.jring.spi.DriverFactory;

final class ReachesIntoJring {
    EventLoop loop;
    DriverFactory drivers;
}
