#!/usr/bin/env python3
"""Two builds of jring's bench server (jring-io_uring), side by side in one run.

    bench/side-by-side.py OLD_TREE NEW_TREE ROUNDS WORKLOAD...      e.g. ... 4 http-p16@100 http@1000 echo@1000 echo-1m@10

Both trees must be built (./jring build in each). Both servers stay up for the whole run, pinned
to CPU 1; uringgen (CPU 0) drives them in turn, the order flipping every round, so drift and other
load land on both. Per run: requests/s, the server's CPU time per request (schedstat, ns), split
into user and system by the tick counters, and both CPUs' busy share from /proc/stat. Medians
and new/old ratios at the end. On a shared machine only the ratios mean anything.
Environment: SBS_DUR (measured seconds per run, default 3), SBS_PORT (first port, default 19200).
"""
import atexit, json, os, statistics, subprocess, sys, tempfile

# The launcher finds a JDK 25+ the way every project script does.
JAVA = os.path.join(subprocess.check_output([os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jring"),
                                             "java-home"], text=True).strip(), "bin", "java")
FLAGS = ["-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "-XX:ActiveProcessorCount=1",
         "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"]
TICK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))


def classpath(tree):
    with open(f"{tree}/bench/target/classpath.txt") as f:
        return f"{tree}/bench/target/classes:" + f.read().strip()


def server_cpu(pid):
    """(user ticks, system ticks, run-time seconds) summed over the process's threads."""
    user = system = ns = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            ns += int(f.read().split()[0])
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        user += int(fields[11])
        system += int(fields[12])
    return user, system, ns / 1e9


def cpu_busy():
    busy = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *values = line.split()
                values = list(map(int, values))
                busy[name] = (sum(values) - values[3] - values[4], sum(values))
    return busy


def workload(spec):
    """http-p16@100, http@1000, echo@1000, echo-1m@10 -> (mode, conns, depth, echo message bytes)."""
    name, conns = spec.split("@")
    if name.startswith("http"):
        return "http", int(conns), int(name[6:]) if name.startswith("http-p") else 1, 64
    size = name[5:] if name.startswith("echo-") else "64"
    scale = {"k": 1024, "m": 1024 * 1024}.get(size[-1].lower(), 1)
    return "echo", int(conns), 1, int(size.rstrip("kKmM")) * scale


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    trees = {"old": sys.argv[1], "new": sys.argv[2]}
    rounds, workloads = int(sys.argv[3]), sys.argv[4:]
    gen = os.path.join(tempfile.mkdtemp(), "uringgen")
    subprocess.run(["gcc", "-O2", "-pthread", "-o", gen, f"{HERE}/src/main/c/uringgen.c", "-luring"], check=True)
    servers, port = {}, int(os.environ.get("SBS_PORT", "19200"))
    atexit.register(lambda: [p.terminate() for p, _, _ in servers.values()])
    for name, tree in trees.items():
        p = subprocess.Popen(["taskset", "-c", "1", JAVA, *FLAGS, "-cp", classpath(tree),
                              "io.jring.bench.server.BenchServer", "jring-io_uring", str(port), str(port + 1)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        while not p.stdout.readline().startswith("ready"):
            pass
        servers[name] = (p, port, port + 1)
        port += 10

    def run(name, spec, seconds, warmup):
        # On a machine shared with other servers pinned to CPU 1, a run can get no answers at
        # all (both servers starved for seconds): run it again rather than divide by zero.
        for _ in range(3):
            x = run_once(name, spec, seconds, warmup)
            if x is not None:
                return x
        sys.exit(f"{name} {spec}: no answers in three runs")

    def run_once(name, spec, seconds, warmup):
        p, echo_port, http_port = servers[name]
        mode, conns, depth, size = workload(spec)
        g = subprocess.Popen(["taskset", "-c", "0", gen, "--port", str(http_port if mode == "http" else echo_port),
                              "--mode", mode, "--conns", str(conns), "--depth", str(depth),
                              *(["--size", str(size)] if mode == "echo" else []),
                              "--warmup", str(warmup), "--duration", str(seconds)], stdout=subprocess.PIPE, text=True)
        for line in g.stdout:
            if '"measure"' in line:
                c0, s0 = server_cpu(p.pid), cpu_busy()
            elif '"end"' in line:
                c1, s1 = server_cpu(p.pid), cpu_busy()
            elif '"requests"' in line:
                result = json.loads(line)
        g.wait()
        requests = result["requests"]
        if requests == 0:
            return None
        ticks = max(1e-9, (c1[0] - c0[0]) + (c1[1] - c0[1]))
        user_share = (c1[0] - c0[0]) / ticks
        cpu_us = (c1[2] - c0[2]) * 1e6 / requests
        share = lambda cpu: (s1[cpu][0] - s0[cpu][0]) / max(1, s1[cpu][1] - s0[cpu][1])
        return {"rps": requests / result["duration_s"], "cpu": cpu_us, "user": cpu_us * user_share,
                "sys": cpu_us * (1 - user_share), "cpu1": share("cpu1"), "cpu0": share("cpu0"),
                "errors": result.get("errors", 0)}

    for spec in workloads:
        for name in servers:
            run(name, spec, 2, 1)  # JIT warm-up, not measured
    results = {}
    seconds = float(os.environ.get("SBS_DUR", "3"))
    for r in range(rounds):
        order = list(servers) if r % 2 == 0 else list(servers)[::-1]
        for spec in workloads:
            for name in order:
                x = run(name, spec, seconds, 0.5)
                results.setdefault((spec, name), []).append(x)
                print(r, spec, name, {k: round(v, 3) for k, v in x.items()}, flush=True)
    print("\nmedians (on a shared machine, compare the ratios)")
    for spec in workloads:
        med = {n: {k: statistics.median(x[k] for x in results[(spec, n)]) for k in ("rps", "cpu", "user", "sys", "cpu0", "cpu1")}
               for n in servers}
        fmt = lambda m: (f"rps={m['rps']:.0f} cpu={m['cpu']:.3f}us user~{m['user']:.3f}us sys~{m['sys']:.3f}us"
                         f" cpu1={m['cpu1']:.2f} cpu0={m['cpu0']:.2f}")
        o, n = med["old"], med["new"]
        print(f"{spec:14s} old {fmt(o)} | new {fmt(n)} | cpu new/old={n['cpu'] / o['cpu']:.3f}"
              f" user new/old={n['user'] / max(1e-9, o['user']):.3f}")


if __name__ == "__main__":
    main()
