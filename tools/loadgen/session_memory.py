#!/usr/bin/python3
"""Memory per session of an XMPP server: the summed VmRSS of the server's
processes before the load generator's idle scenario logs its sessions in,
once they are all up, and after they are closed again.

    tools/loadgen/session_memory.py --pids 1234,1235,1236 -- \\
        build/tools/loadgen/loadgen idle --users 5000 --duration 30

The loadgen command must run the idle scenario; --ready-file (and --json,
when not given) are added to it. Processes can also be named by their
command name (--comm jabberd-ng-c2s,jabberd-ng-sm,jabberd-ng-router;
prosody runs as lua5.x, ejabberd as beam.smp). Prints a table and, with
--json, writes a summary. Standard library only."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def rss_kib(pid):
    """VmRSS of a process in KiB, or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def pids_by_comm(names):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % entry) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in names:
            found.append(int(entry))
    return sorted(found)


def sample(pids):
    return {pid: rss_kib(pid) for pid in pids}


def total(s):
    return sum(v for v in s.values() if v)


def option_value(cmd, option):
    """The value of `option` in a command line (either form), or None."""
    for i, arg in enumerate(cmd):
        if arg == option and i + 1 < len(cmd):
            return cmd[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pids", default="", help="comma-separated server process ids")
    ap.add_argument("--comm", default="", help="comma-separated process names to add (from /proc/*/comm)")
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds to wait after the sessions are up before sampling (2)")
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="longest wait for the sessions to come up (600)")
    ap.add_argument("--json", help="write the summary here")
    ap.add_argument("loadgen", nargs=argparse.REMAINDER,
                    help="-- then the loadgen idle command line")
    args = ap.parse_args()

    cmd = args.loadgen[1:] if args.loadgen[:1] == ["--"] else args.loadgen
    if not cmd or "idle" not in cmd:
        ap.error("give the loadgen idle command after --")
    pids = sorted({int(p) for p in args.pids.split(",") if p.strip()} |
                  set(pids_by_comm({n.strip() for n in args.comm.split(",") if n.strip()})))
    if not pids:
        ap.error("no server processes: give --pids or --comm")
    for pid in pids:
        if rss_kib(pid) is None:
            ap.error("no process %d" % pid)

    work = tempfile.mkdtemp(prefix="jng-mem-")
    ready = option_value(cmd, "--ready-file")
    if ready is None:
        ready = os.path.join(work, "ready.json")
        cmd = cmd + ["--ready-file", ready]
    if os.path.exists(ready):
        os.unlink(ready)
    loadgen_json = option_value(cmd, "--json")
    if loadgen_json is None:
        loadgen_json = os.path.join(work, "loadgen.json")
        cmd = cmd + ["--json", loadgen_json]

    before = sample(pids)
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + args.timeout
    while not os.path.exists(ready):
        if proc.poll() is not None:
            print("loadgen ended (status %s) before its sessions were up" % proc.returncode,
                  file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            proc.terminate()
            print("sessions not up within %ss" % args.timeout, file=sys.stderr)
            return 1
        time.sleep(0.1)
    with open(ready) as f:
        up = json.load(f)
    time.sleep(args.settle)
    loaded = sample(pids)
    status = proc.wait()
    time.sleep(args.settle)
    after = sample(pids)

    report = {}
    if loadgen_json and os.path.exists(loadgen_json) and loadgen_json != "-":
        with open(loadgen_json) as f:
            report = json.load(f)
    sessions = up.get("online", 0)
    delta = total(loaded) - total(before)
    summary = {
        "pids": pids,
        "sessions": sessions,
        "rss_kib_before": total(before),
        "rss_kib_loaded": total(loaded),
        "rss_kib_after_close": total(after),
        "rss_kib_per_process": {str(p): {"before": before[p], "loaded": loaded[p], "after_close": after[p]}
                                for p in pids},
        "per_session_kib": (delta / sessions) if sessions else None,
        "per_session_bytes": (delta * 1024 / sessions) if sessions else None,
        "held": report.get("results", {}).get("held"),
        "loadgen_status": status,
    }
    print("%-10s %12s %12s %12s %10s" % ("pid", "before KiB", "loaded KiB", "closed KiB", "delta"))
    for p in pids:
        b, l, a = before[p] or 0, loaded[p] or 0, after[p] or 0
        print("%-10d %12d %12d %12d %10d" % (p, b, l, a, l - b))
    print("%-10s %12d %12d %12d %10d" % ("total", total(before), total(loaded), total(after), delta))
    if sessions:
        print("%d sessions: %.1f KiB per session" % (sessions, delta / sessions))
    else:
        print("no sessions came up")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
    return 0 if sessions and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
