package io.jring.bench.compare;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpsCellsTest {
    @Test
    void theSectionShowsMediansPerServerAndCellAndWhetherWrkWasTheLimit() {
        List<String> csv = List.of("round,server,cell,req_per_s,server_cpu_us_per_req,server_cpu_pct,wrk_cpu_pct,errors",
                "1,jring-io_uring-tls,c1,5000,90.0,45,20,",
                "2,jring-io_uring-tls,c1,7000,80.0,56,30,",
                "3,jring-io_uring-tls,c1,6000,85.0,51,25,",
                "1,nginx,c100-p16,60000,8.0,48,95,Socket errors: connect 0 read 3;");
        String md = HttpsCells.section(csv, "samples=100 crypto_top_frame=42 share=42%");
        assertTrue(md.matches("(?s).*\\| jring-io_uring-tls \\| c1 +\\| +6,000 \\(5,000–7,000\\) \\| +85\\.0 \\| +25% \\| +server \\|.*"), md);
        assertTrue(md.matches("(?s).*\\| nginx +\\| c100-p16 \\| +60,000 \\(60,000–60,000\\) \\| +8\\.0 \\| +95% \\| wrk-bound \\| errors: see https\\.csv \\|.*"), md);
        assertTrue(md.contains("42% of 100 Java execution samples"), md);
        assertTrue(md.contains("**wrk**"), md);
    }
}
