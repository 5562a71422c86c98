#!/usr/bin/env python3
"""How often and for how long this machine takes a CPU away from a process
that wants it: one process per CPU spins on the monotonic clock and counts
the gaps between two readings longer than --threshold-ms. On a virtual
machine with nothing else running, the gaps are the hypervisor running
something else on the vCPU (the guest's scheduler sees nothing; /proc/stat
counts it as steal); every message in flight on that CPU waits as long.

usage: stall_probe.py [--duration S] [--threshold-ms MS] [--cpus N] [--json FILE]
Spins every CPU for the duration: run it before or after a benchmark,
never during one."""
import argparse
import json
import multiprocessing
import os
import queue
import sys
import time

# Upper bounds (ms) of the histogram's buckets; the last one is open.
BUCKETS = [1, 2, 3, 4, 5, 7, 10, 20]


def spin(cpu, duration_s, threshold_ms, out):
    os.sched_setaffinity(0, {cpu})
    clock = time.monotonic_ns
    threshold = int(threshold_ms * 1e6)
    gaps = []
    start = prev = clock()
    end = start + int(duration_s * 1e9)
    while prev < end:
        t = clock()
        if t - prev > threshold:
            gaps.append((t - prev) / 1e6)
        prev = t
    out.put((cpu, gaps))


def steal_s():
    with open("/proc/stat") as f:
        return int(f.readline().split()[8]) / os.sysconf("SC_CLK_TCK")


def summarize(gaps, duration_s):
    hist = [0] * (len(BUCKETS) + 1)
    for g in gaps:
        hist[next((i for i, b in enumerate(BUCKETS) if g < b), len(BUCKETS))] += 1
    gaps = sorted(gaps)
    return {
        "stalls": len(gaps),
        "stalled_ms": round(sum(gaps), 1),
        "stalled_fraction": round(sum(gaps) / (duration_s * 1e3), 4),
        "median_ms": round(gaps[len(gaps) // 2], 2) if gaps else 0,
        "max_ms": round(gaps[-1], 2) if gaps else 0,
        "histogram_ms": {("<%g" % b if i < len(BUCKETS) else ">=%g" % BUCKETS[-1]): hist[i]
                         for i, b in enumerate(BUCKETS + [None])},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds (default 10)")
    ap.add_argument("--threshold-ms", type=float, default=0.3,
                    help="shortest gap counted, ms (default 0.3)")
    ap.add_argument("--cpus", type=int, default=len(os.sched_getaffinity(0)),
                    help="how many CPUs to spin (default: all this process may use)")
    ap.add_argument("--json", help="also write the summary here")
    args = ap.parse_args()
    if args.duration <= 0 or args.threshold_ms <= 0 or args.cpus <= 0:
        sys.exit("stall_probe: --duration, --threshold-ms and --cpus must be positive")
    cpus = sorted(os.sched_getaffinity(0))[:args.cpus]
    out = multiprocessing.Queue()
    before = steal_s()
    procs = [multiprocessing.Process(target=spin, args=(c, args.duration, args.threshold_ms, out))
             for c in cpus]
    for p in procs:
        p.start()
    try:
        results = dict(out.get(timeout=args.duration + 30) for _ in procs)
    except queue.Empty:
        for p in procs:
            p.kill()
        sys.exit("stall_probe: a spinning process did not report (exit codes %s)" %
                 [p.exitcode for p in procs])
    for p in procs:
        p.join()
    summary = {
        "duration_s": args.duration,
        "threshold_ms": args.threshold_ms,
        "machine_steal_s": round(steal_s() - before, 2),
        "cpus": {str(c): summarize(g, args.duration) for c, g in sorted(results.items())},
    }
    for c, s in summary["cpus"].items():
        hist = " ".join("%s:%d" % kv for kv in s["histogram_ms"].items())
        print("cpu %s: %d stalls, %.1f ms (%.1f %%), median %.2f ms, max %.2f ms; %s" %
              (c, s["stalls"], s["stalled_ms"], 100 * s["stalled_fraction"], s["median_ms"],
               s["max_ms"], hist))
    print("steal over the run (/proc/stat, all CPUs): %.2f s" % summary["machine_steal_s"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
