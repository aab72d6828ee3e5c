#!/usr/bin/env bash
# https cells, measured beside each other: jring (io_uring, epoll) with TLS, Netty (epoll) with its
# SslHandler over the JDK engine, and nginx with ssl (OpenSSL),
# serving the bench's http workload (13-byte "Hello, World!" answers) on one pinned CPU, loaded by
# wrk (uringgen speaks no TLS). Per cell: wrk's requests/s, server CPU µs per request (from
# /proc/PID/stat), and wrk's own CPU share of its core (near 100% = wrk was the bottleneck).
# Then a JFR profile of the jring io_uring https server: share of execution samples whose top
# frame is the JDK's crypto (sun.security.ssl, com.sun.crypto, sun.security.*, javax.crypto).
#
#   ./jring bench https OUT_DIR [SECONDS] [ROUNDS]   (builds first; or bench/https-cells.sh after a build)
# Rounds interleave the servers, so a noisy neighbour hits them all; compare medians side by side.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?OUT_DIR}"; SECS="${2:-5}"; ROUNDS="${3:-3}"
JAVA="$("$ROOT/jring" java-home)/bin/java"   # the launcher finds a JDK 25+
CP="$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")"
mkdir -p "$OUT"; TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
PORT=18443
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }      # utime+stime of the process, in clock ticks
HZ=$(getconf CLK_TCK)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
cat > "$TMP/nginx/nginx.conf" <<CONF
worker_processes 1; master_process off; daemon off; pid $TMP/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 100000000; client_body_temp_path $TMP/nginx/tmp;
  proxy_temp_path $TMP/nginx/tmp; fastcgi_temp_path $TMP/nginx/tmp; uwsgi_temp_path $TMP/nginx/tmp; scgi_temp_path $TMP/nginx/tmp;
  server {
    listen 127.0.0.1:$PORT ssl; ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem;
    ssl_protocols TLSv1.3;
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
}
CONF
cat > "$TMP/pipe16.lua" <<'LUA'
init = function(args) local r = {} for i = 1, 16 do r[i] = wrk.format("GET", "/") end req = table.concat(r) end
request = function() return req end
LUA

start() { # name -> sets PID
  case "$1" in
    nginx) taskset -c 1 nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" \
             >"$OUT/server-$1.log" 2>&1 & PID=$! ;;
    jring-*|netty-*) taskset -c 1 "$JAVA" -Xms128m -Xmx128m -XX:+UseSerialGC -XX:ActiveProcessorCount=1 \
             --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ${JFR:-} \
             -cp "$CP" io.jring.bench.server.BenchServer "$1" $((PORT + 1)) $PORT >"$OUT/server-$1.log" 2>&1 & PID=$! ;;
  esac
  for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/" && return 0; sleep 0.2; done
  echo "$1 did not come up" >&2; cat "$OUT/server-$1.log" >&2; return 1
}
cell() { # server cell-name wrk-args...
  local name="$1" cellname="$2"; shift 2
  local before after
  before=$(ticks "$PID")
  /usr/bin/time -f '%U %S' -o "$TMP/wrktime" taskset -c 0 wrk -t1 -d"${SECS}s" --timeout 5s "$@" "https://127.0.0.1:$PORT/" >"$TMP/wrk.out"
  after=$(ticks "$PID")
  local rps errs wrkcpu
  rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out")
  errs=$(grep -E 'Socket errors|Non-2xx' "$TMP/wrk.out" | tr -s ' ' | tr '\n' ';' || true)
  wrkcpu=$(awk -v s="$SECS" '{printf "%.0f", 100*($1+$2)/s}' "$TMP/wrktime")
  awk -v n="$name" -v c="$cellname" -v r="$rps" -v t=$((after - before)) -v hz="$HZ" -v s="$SECS" -v w="$wrkcpu" -v e="$errs" \
    -v rd="$round" 'BEGIN { us = (t / hz) * 1e6 / (r * s); printf "%s,%s,%s,%.0f,%.1f,%.0f,%s,%s\n", rd, n, c, r, us, 100 * t / hz / s, w, e }' \
    | tee -a "$OUT/https.csv"
}
echo "round,server,cell,req_per_s,server_cpu_us_per_req,server_cpu_pct,wrk_cpu_pct,errors" > "$OUT/https.csv"
SERVERS="jring-io_uring-tls jring-epoll-tls netty-epoll-tls"
if command -v nginx >/dev/null; then SERVERS="$SERVERS nginx"; else echo "nginx is not installed: no nginx cells" >&2; fi
for round in $(seq "$ROUNDS"); do
  for s in $SERVERS; do
    start "$s"
    taskset -c 0 wrk -t1 -c1 -d2s "https://127.0.0.1:$PORT/" >/dev/null   # warm-up (JIT, session setup)
    cell "$s" "c1" -c1
    cell "$s" "c100-p16" -c100 -s "$TMP/pipe16.lua"
    kill "$PID"; wait "$PID" 2>/dev/null || true
  done
done
# Where the jring https server's CPU goes: JFR execution samples, grouped by the top frame's package.
JFR="-XX:StartFlightRecording=filename=$OUT/jring-io_uring-tls.jfr,settings=profile" start jring-io_uring-tls
taskset -c 0 wrk -t1 -c100 -d"${SECS}s" -s "$TMP/pipe16.lua" "https://127.0.0.1:$PORT/" >/dev/null
kill "$PID"; wait "$PID" 2>/dev/null || true
"${JAVA%/java}/jfr" print --events jdk.ExecutionSample "$OUT/jring-io_uring-tls.jfr" \
  | awk '/stackTrace = \[/ {getline; print}' | sed -E 's/^ +//; s/\(.*//' > "$TMP/top"
total=$(wc -l < "$TMP/top")
crypto=$(grep -cE '^(sun\.security\.|com\.sun\.crypto\.|javax\.crypto\.|javax\.net\.ssl\.|java\.security\.)' "$TMP/top" || true)
{
  echo "samples=$total crypto_top_frame=$crypto share=$(awk -v a="$crypto" -v b="$total" 'BEGIN{printf "%.0f%%", 100*a/b}')"
  echo "top frames by package:"
  sed -E 's/\.[A-Za-z0-9_$]+\.[A-Za-z0-9_$<>]+$//' "$TMP/top" | sort | uniq -c | sort -rn | head -15
} | tee "$OUT/jring-crypto-share.txt"
