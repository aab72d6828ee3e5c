#!/usr/bin/env bash
# The bench's CI check: `compare --quick` limited to jring's two backends, its push path and the C limit, at one
# small N, writes its report, CSV and chart with a row for each, driven by the cheap generator; the JMH benchmarks run one short iteration each.
# No speed is asserted. Needs gcc and liburing-dev (perf, wrk and nginx are optional).
#
#   bench/ci-smoke.sh [results-dir]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$(mktemp -d /tmp/jring-bench-smoke.XXXXXX)}"
mkdir -p "$OUT"
fail() { echo "bench smoke: FAIL: $*" >&2; exit 1; }

"$ROOT/jring" bench compare --quick --servers jring-io_uring,jring-io_uring-push,jring-epoll,c-liburing --connections 10 \
  --idle 200 --wrk-seconds 0 --out "$OUT" > "$OUT/stdout.md"

for f in report.md runs.csv summary.csv syscalls.csv idle.csv chart.svg; do
  [[ -s "$OUT/$f" ]] || fail "$OUT/$f is missing or empty"
done
for server in jring-io_uring jring-io_uring-push jring-epoll c-liburing; do
  for workload in echo http http-p16; do
    grep -q "^$server,$workload,10," "$OUT/runs.csv" \
      || fail "no $server $workload row in runs.csv"
    grep -q "^$workload,$server,10,1," "$OUT/summary.csv" || fail "no successful $server $workload run in summary.csv"
  done
  grep -q "| $server " "$OUT/report.md" || fail "no $server row in report.md"
  grep -q "<title>$server N=10" "$OUT/chart.svg" || fail "no $server bar in chart.svg"
  [[ $server == c-* ]] || grep -q "^$server,200,200," "$OUT/idle.csv" || fail "no $server row in idle.csv"
done
grep -q ",uringgen," "$OUT/runs.csv" || fail "the load runs did not use uringgen (see the report's notes)"
grep -q "cells were server-bound" "$OUT/report.md" || fail "the report does not say how many cells were server-bound"
echo "bench smoke: compare OK ($OUT)"

JMH_OUT="$OUT/jmh.txt"
"$ROOT/jring" bench jmh 'io.jring.bench.jmh.*' -wi 0 -i 1 -r 200ms -f 1 > "$JMH_OUT" 2>&1 \
  || { tail -30 "$JMH_OUT" >&2; fail "JMH run failed"; }
for b in UringNopBenchmark.nop UringNopBenchmark.nopBatch32 RoundTripBenchmark.roundTrip RoundTripBenchmark.roundTripFromCaller; do
  grep -q "^$b " "$JMH_OUT" || fail "no $b result in $JMH_OUT"
done
grep -q "gc.alloc.rate.norm" "$JMH_OUT" || fail "no -prof gc figures in $JMH_OUT"
echo "bench smoke: jmh OK"
