#!/usr/bin/python3
"""Idle capacity across several c2s processes: how many idle sessions one
machine holds, and what each costs in memory over all jabberd-ng daemons.

    tools/bench/capacity.py --build-dir build --sessions 100000 --c2s 6

Starts jabberd-ng (router, one sm, `--c2s` c2s processes, each on ports of
its own) from configs written into `--workdir`, creates the accounts with
`jabberdctl user add-many` (a `--workdir` used before keeps its accounts:
add-many skips them), then runs one `loadgen idle` shard per c2s side
by side (each shard takes its slice of the accounts and its own loopback
source addresses). Once every shard reports its sessions up, the summed
VmRSS of every daemon is sampled; the sessions are held for `--duration`
seconds with whitespace keepalives, then closed.

A c2s holds at most `--per-c2s` sessions (the descriptors one process may
open here, 20,000, less room for the rest), and so does a shard. Prints a
table; `--json` writes the summary. Exit status 0 when every session was
held to the end. Standard library only."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tools", "loadgen"))

import jng_instance  # noqa: E402
from session_memory import rss_kib  # noqa: E402

DOMAIN = "localhost"
PASSWORD = "capacity-pw"
SCRAM_ITERATIONS = 4096


def daemon_pids(inst):
    return {name: p.pid for name, p in inst.procs.items() if p.poll() is None}


def summed_rss(pids):
    per = {name: rss_kib(pid) or 0 for name, pid in pids.items()}
    return sum(per.values()), per


def create_accounts(inst, count, work):
    accounts = os.path.join(work, "accounts.txt")
    with open(accounts, "w") as f:
        for i in range(count):
            f.write("user%d@%s %s\n" % (i, DOMAIN, PASSWORD))
    started = time.monotonic()
    inst.ctl("--iterations", str(SCRAM_ITERATIONS), "user", "add-many", accounts)
    return time.monotonic() - started


def source_range(index, per_shard):
    """Loopback source addresses of one shard: 127.0.<index+1>.1 onwards,
    one per 10,000 sessions, so no two shards share an address."""
    n = max(1, -(-per_shard // 10000))
    return "127.0.%d.1-127.0.%d.%d" % (index + 1, index + 1, n)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sessions", type=int, default=100000)
    ap.add_argument("--c2s", type=int, default=6, help="c2s processes (6)")
    ap.add_argument("--per-c2s", type=int, default=18000,
                    help="most sessions one c2s (and one shard) is given (18000)")
    ap.add_argument("--in-flight", type=int, default=100, help="logins in flight per shard")
    ap.add_argument("--duration", type=float, default=60, help="seconds the sessions are held")
    ap.add_argument("--keepalive", type=float, default=30,
                    help="seconds between a session's whitespace keepalives")
    ap.add_argument("--base-port", type=int, default=26400)
    ap.add_argument("--settle", type=float, default=5, help="seconds before sampling memory")
    ap.add_argument("--timeout", type=float, default=1800,
                    help="longest wait for every session to be up (1800)")
    ap.add_argument("--workdir", help="keep configs, logs and summaries here")
    ap.add_argument("--json", help="write the summary here")
    args = ap.parse_args()

    if args.c2s < 1 or args.sessions < 1:
        ap.error("--c2s and --sessions must be positive")
    if args.sessions > args.c2s * args.per_c2s:
        ap.error("%d sessions need at least %d c2s at %d each"
                 % (args.sessions, -(-args.sessions // args.per_c2s), args.per_c2s))
    loadgen = os.path.join(args.build_dir, "tools", "loadgen", "loadgen")
    if not os.path.exists(loadgen):
        ap.error("no loadgen in %s (build first)" % args.build_dir)

    work = os.path.abspath(args.workdir or tempfile.mkdtemp(prefix="jng-capacity-"))
    os.makedirs(work, exist_ok=True)
    c2s_ids = tuple("c2s-%d" % (i + 1) for i in range(args.c2s))
    inst = jng_instance.Instance(os.path.join(work, "jng"), args.build_dir,
                                 base_port=args.base_port, log_level="warning")
    inst.write_configs(c2s_ids=c2s_ids, separate_c2s_ports=True)
    status = 1
    try:
        print("creating %d accounts" % args.sessions, flush=True)
        accounts_s = create_accounts(inst, args.sessions, work)
        inst.start_all(c2s_ids=c2s_ids)
        pids = daemon_pids(inst)
        time.sleep(1)
        before, before_per = summed_rss(pids)

        per_shard = -(-args.sessions // args.c2s)
        shards = []
        for i, c2s in enumerate(c2s_ids):
            port, _ = inst.c2s_ports(c2s)
            ready = os.path.join(work, "ready-%d.json" % i)
            out = os.path.join(work, "idle-%d.json" % i)
            for path in (ready, out):
                if os.path.exists(path):
                    os.unlink(path)
            cmd = [loadgen, "idle", "--port", str(port), "--domain", DOMAIN,
                   "--password", PASSWORD, "--users", str(args.sessions),
                   "--shard", "%d/%d" % (i, args.c2s),
                   "--source-addresses", source_range(i, per_shard),
                   "--in-flight", str(args.in_flight), "--duration", str(args.duration),
                   "--keepalive", str(args.keepalive), "--ready-file", ready,
                   "--setup-timeout", str(args.timeout),
                   "--scram-cache", os.path.join(work, "scram-%d.cache" % i),
                   "--json", out, "--quiet"]
            log = open(os.path.join(work, "loadgen-%d.log" % i), "w")
            shards.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), ready, out))
            log.close()

        started = time.monotonic()
        while not all(os.path.exists(r) for _, r, _ in shards):
            if any(p.poll() is not None and not os.path.exists(r) for p, r, _ in shards):
                raise RuntimeError("a loadgen shard ended before its sessions were up; see "
                                   + work)
            if time.monotonic() - started > args.timeout:
                raise RuntimeError("sessions not up within %ss" % args.timeout)
            time.sleep(0.5)
        up_s = time.monotonic() - started
        online = 0
        for _, r, _ in shards:
            with open(r) as f:
                online += json.load(f).get("online", 0)
        time.sleep(args.settle)
        loaded, loaded_per = summed_rss(pids)

        for p, _, _ in shards:
            p.wait()
        merged = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "loadgen",
                                                              "merge_shards.py"),
                                 *[o for _, _, o in shards]],
                                check=True, capture_output=True, text=True)
        report = json.loads(merged.stdout)
        results = report.get("results", {})
        held = results.get("held", 0)
        summary = {
            "sessions": args.sessions,
            "c2s_processes": args.c2s,
            "online": online,
            "held_to_end": held,
            "accounts_created_s": round(accounts_s, 1),
            "all_up_s": round(up_s, 1),
            "rss_kib_before": before,
            "rss_kib_loaded": loaded,
            "rss_kib_per_daemon": {n: {"before": before_per[n], "loaded": loaded_per[n]}
                                   for n in sorted(pids)},
            "per_session_kib": round((loaded - before) / online, 2) if online else None,
            "loadgen": results,
            "errors": report.get("errors", {}),
        }
        print("%-28s %12s" % ("sessions asked", args.sessions))
        print("%-28s %12s" % ("online at once", online))
        print("%-28s %12s" % ("held to the end", held))
        print("%-28s %12s" % ("c2s processes", args.c2s))
        print("%-28s %12.1f" % ("all up after s", up_s))
        print("%-28s %12.1f" % ("daemons' RSS before MiB", before / 1024))
        print("%-28s %12.1f" % ("daemons' RSS loaded MiB", loaded / 1024))
        print("%-28s %12s" % ("KiB per session", summary["per_session_kib"]))
        for name in sorted(pids):
            print("  %-26s %10.1f -> %.1f MiB" % (name, before_per[name] / 1024,
                                                loaded_per[name] / 1024))
        if summary["errors"].get("total"):
            print("errors: %s" % json.dumps(summary["errors"]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(summary, f, indent=1)
        status = 0 if online == args.sessions and held == args.sessions else 1
    finally:
        inst.stop_all()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
