package io.jring.epoll;

import io.jring.Backend;
import io.jring.LeakReportTest;

/** {@link LeakReportTest} on the epoll backend. */
class EpollLeakReportTest extends LeakReportTest {
    @Override
    protected Backend backend() {
        return Backend.EPOLL;
    }
}
