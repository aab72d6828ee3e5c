#!/usr/bin/env python3
"""The table of bench/files-bench.sh from its runs.csv: per size and server, medians over rounds,
and ratios against jring io_uring taken round by round (same round, same size) before the median."""
import csv
import statistics
import sys
from collections import defaultdict

GIB = 1 << 30
rows = list(csv.DictReader(open(sys.argv[1])))
cells = defaultdict(list)
for r in rows:
    hz = int(r["hz"])
    b = int(r["bytes"])
    secs = float(r["seconds"])
    cells[(r["size"], r["server"])].append({
        "round": r["round"],
        "mibs": b / secs / (1 << 20),
        "user": int(r["server_utime_ticks"]) / hz / (b / GIB) * 1000,
        "sys": int(r["server_stime_ticks"]) / hz / (b / GIB) * 1000,
        "core": int(r["cpu1_busy_ticks"]) / hz / (b / GIB) * 1000,
        "softirq": int(r["cpu1_softirq_ticks"]) / hz / (b / GIB) * 1000,
        "client": float(r["client_cpu_seconds"]) / secs * 100,
        "requests": int(r["requests"]),
    })

BASE = "jring-io_uring"
sizes = list(dict.fromkeys(r["size"] for r in rows))
servers = list(dict.fromkeys(r["server"] for r in rows))


def ratio(size, server, key):
    base = {c["round"]: c[key] for c in cells.get((size, BASE), [])}
    values = [c[key] / base[c["round"]] for c in cells[(size, server)] if base.get(c["round"])]
    return statistics.median(values) if values else float("nan")


def spread(values):
    return f"{min(values):.0f}–{max(values):.0f}"


print("| size | server | MiB/s (min–max) | × io_uring | server CPU ms/GiB (user+sys) | × io_uring | "
      "CPU 1 busy ms/GiB (softirq) | client CPU % | requests/run |")
print("|---|---|---|---|---|---|---|---|---|")
for size in sizes:
    for server in servers:
        cs = cells.get((size, server))
        if not cs:
            continue
        mibs = [c["mibs"] for c in cs]
        cpu = [c["user"] + c["sys"] for c in cs]
        for c in cs:
            c["cpu"] = c["user"] + c["sys"]
        print(f"| {size} | {server} | {statistics.median(mibs):.0f} ({spread(mibs)}) | {ratio(size, server, 'mibs'):.2f} "
              f"| {statistics.median(cpu):.0f} ({statistics.median(c['user'] for c in cs):.0f}+"
              f"{statistics.median(c['sys'] for c in cs):.0f}) | {ratio(size, server, 'cpu'):.2f} "
              f"| {statistics.median(c['core'] for c in cs):.0f} ({statistics.median(c['softirq'] for c in cs):.0f}) "
              f"| {statistics.median(c['client'] for c in cs):.0f} | {statistics.median(c['requests'] for c in cs):.0f} |")
print()
print("MiB/s: body bytes per second at the client, median over rounds. Server CPU: the server process's "
      "utime+stime (/proc/PID/stat, clock ticks) per GiB of body sent. CPU 1 busy: everything CPU 1 did per GiB "
      "(/proc/stat, includes softirq and any other process there). × io_uring: the ratio to jring io_uring "
      "in the same round, median over rounds.")
