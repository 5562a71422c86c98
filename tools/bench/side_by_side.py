#!/usr/bin/python3
"""The side-by-side benchmark: the same tools/loadgen scenarios against
jabberd-ng and against Prosody, ejabberd and jabberd2 from Debian's packages,
one server at a time, each started by this script from configs it writes
into a temporary directory (see servers.py for what each gets), and one
table with every figure and jabberd-ng's ratio to each peer.

    tools/bench/side_by_side.py                      # all four, default sizes
    tools/bench/side_by_side.py --smoke --servers jabberd-ng
    tools/bench/side_by_side.py --json bench.json --login-users 2000
    tools/bench/side_by_side.py --tls none           # no TLS anywhere

A server whose package is missing is skipped with the reason (install them
with `tools/install-deps bench`). The exit status is 0 when every server that
ran went through every scenario, 1 when a server could not be set up or a
scenario did not produce a summary. Lost messages are reported, not fatal:
the JSON says which. Standard library only."""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import servers  # noqa: E402

PASSWORD = "bench-pw"
SESSION_MEMORY = os.path.join(ROOT, "tools", "loadgen", "session_memory.py")
# Every login, on every server, ends at the reply to a ping sent after the
# initial presence: jabberd2 does not echo the presence, which is where a
# login ends otherwise, and one method for all keeps the figures comparable.
LOGIN_END = ["--login-ping"]
# Longest a login storm may take: the slowest peer must finish it.
LOGIN_LIMIT_S = 600
MERGE_KEYS = ("scenario", "target", "config", "results", "latency_ms", "errors", "client")

# Open files a server needs beyond one per session: listeners, logs,
# databases, its own links.
FD_MARGIN = 100

# Sizes: the default run, at the sizes of the reference figures (2,000
# logins with 100 in flight, 1,000 chat users with 2 messages under way each,
# 5,000 idle sessions), and the smoke run that only proves the tooling.
FULL = {"login_users": 2000, "in_flight": 100, "chat_users": 1000, "chat_window": 2, "chat_duration": 10,
        "chat_rate": 5000, "idle_sessions": 5000, "idle_duration": 5, "offline_users": 100,
        "offline_senders": 10, "offline_messages": 10, "warmup": 2, "drain": 10}
SMOKE = {"login_users": 20, "in_flight": 10, "chat_users": 10, "chat_window": 1, "chat_duration": 1,
         "chat_rate": 100, "idle_sessions": 20, "idle_duration": 1, "offline_users": 20,
         "offline_senders": 2, "offline_messages": 3, "warmup": 0.5, "drain": 10}


def check_open_files(server, sessions):
    """Refuses a server that could not hold the run's sessions: it would
    measure the process's open-file limit, not the server."""
    need = sessions + FD_MARGIN
    for pid in server.pids():
        limit = servers.open_files_limit(pid)
        if limit is not None and limit < need:
            raise RuntimeError("%s process %d (%s) may open %d files; the run needs about %d"
                               % (server.name, pid, servers.comm_of(pid), limit, need))


def run_loadgen(args, server, name, scenario, extra, out_dir, step_timeout):
    """One loadgen run; returns its JSON summary (without histograms) and
    loadgen's exit status."""
    out = os.path.join(out_dir, "%s-%s.json" % (server.name, name))
    cmd = [args.loadgen, scenario, "--port", str(server.port), "--domain", servers.DOMAIN,
           "--tls", server.tls, "--password", PASSWORD, "--json", out, "--quiet",
           "--step-timeout", str(step_timeout), *LOGIN_END, *map(str, extra)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.scenario_timeout)
    if not os.path.exists(out):
        raise RuntimeError("loadgen %s against %s exited %s without a summary:\n%s"
                           % (name, server.name, proc.returncode, proc.stderr[-2000:]))
    with open(out) as f:
        summary = json.load(f)
    summary = {k: summary[k] for k in MERGE_KEYS}
    summary["exit_status"] = proc.returncode
    return summary


def scram_cache(server, out_dir):
    return os.path.join(out_dir, "%s-scram.cache" % server.name)


def setup_mechanism(server, out_dir):
    """How the scenarios that are not about logins log their users in:
    PLAIN where the server takes it, else SCRAM-SHA-256 with the client's
    cache (jabberd-ng without TLS)."""
    if "PLAIN" in server.mechanisms:
        return ["--mech", "PLAIN"]
    return ["--mech", "SCRAM-SHA-256", "--scram-cache", scram_cache(server, out_dir)]


def run_idle(args, server, sizes, out_dir, step_timeout):
    """The idle scenario under session_memory.py: memory per session of all
    the server's processes."""
    mem = os.path.join(out_dir, "%s-memory.json" % server.name)
    lg = os.path.join(out_dir, "%s-idle.json" % server.name)
    cmd = [sys.executable, SESSION_MEMORY, "--pids", ",".join(map(str, server.pids())), "--settle", "1",
           "--json", mem, "--", args.loadgen, "idle", "--port", str(server.port), "--domain", servers.DOMAIN,
           "--tls", server.tls, "--password", PASSWORD, *LOGIN_END, *setup_mechanism(server, out_dir),
           "--users", str(sizes["idle_sessions"]), "--in-flight", str(sizes["in_flight"]),
           "--duration", str(sizes["idle_duration"]), "--keepalive", "30", "--step-timeout", str(step_timeout),
           "--json", lg, "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.scenario_timeout)
    if not os.path.exists(lg) or not os.path.exists(mem):
        raise RuntimeError("idle against %s exited %s:\n%s%s" % (server.name, proc.returncode,
                                                                 proc.stdout[-2000:], proc.stderr[-2000:]))
    with open(lg) as f:
        summary = {k: v for k, v in json.load(f).items() if k in MERGE_KEYS}
    with open(mem) as f:
        summary["memory"] = json.load(f)
    summary["exit_status"] = proc.returncode
    return summary


def bench_server(args, server, sizes, out_dir):
    """Every scenario against one running server, in a fixed order: logins
    first (they also warm the server), chat, offline, idle last."""
    step = args.step_timeout
    n_login = sizes["login_users"]
    res = {}
    # --hold: sessions stay until every login is done, so logouts do not
    # interleave with the storm (jabberd2's c2s then fails a new connection
    # that reuses a just-closed one's descriptor, internal-server-error).
    common = ["--in-flight", sizes["in_flight"], "--duration", LOGIN_LIMIT_S, "--hold"]
    if "SCRAM-SHA-256" in server.mechanisms:
        cache = scram_cache(server, out_dir)
        # A first pass fills the client's SCRAM cache (as real clients keep
        # the salted password), so the measured pass spends no loadgen CPU
        # on PBKDF2; the server does none either way.
        run_loadgen(args, server, "login-scram-warm", "login",
                    ["--users", n_login, "--scram-cache", cache, *common], out_dir, step)
        res["login_scram"] = run_loadgen(args, server, "login-scram", "login",
                                         ["--users", n_login, "--scram-cache", cache, *common], out_dir, step)
    if "PLAIN" in server.mechanisms:
        res["login_plain"] = run_loadgen(args, server, "login-plain", "login",
                                         ["--users", n_login, "--mech", "PLAIN", *common], out_dir, step)
    login = [*setup_mechanism(server, out_dir), "--in-flight", sizes["in_flight"]]
    res["chat"] = run_loadgen(args, server, "chat", "chat",
                              ["--users", sizes["chat_users"], "--window", sizes["chat_window"],
                               "--warmup", sizes["warmup"], "--duration", sizes["chat_duration"],
                               "--drain", sizes["drain"], *login], out_dir, step)
    res["chat_rate"] = run_loadgen(args, server, "chat-rate", "chat",
                                   ["--users", sizes["chat_users"], "--rate", sizes["chat_rate"],
                                    "--warmup", sizes["warmup"], "--duration", sizes["chat_duration"],
                                    "--drain", sizes["drain"], *login], out_dir, step)
    res["offline"] = run_loadgen(args, server, "offline", "offline",
                                 ["--users", sizes["offline_users"], "--senders", sizes["offline_senders"],
                                  "--messages-per-user", sizes["offline_messages"], "--window", 10,
                                  "--drain", sizes["drain"], *login], out_dir, step)
    res["idle"] = run_idle(args, server, sizes, out_dir, step)
    return res


# The table: (label, scenario, path in the summary, higher is better).
# "login_best" is the faster of the two login rows: how fast each server
# lets clients in by the best way it offers them.
METRICS = [
    ("logins/s, best mechanism", "login_best", ("results", "logins_per_s"), True),
    ("logins/s, SCRAM-SHA-256", "login_scram", ("results", "logins_per_s"), True),
    ("login p99 ms, SCRAM", "login_scram", ("latency_ms", "login", "p99"), False),
    ("logins/s, PLAIN", "login_plain", ("results", "logins_per_s"), True),
    ("login p50 ms, PLAIN", "login_plain", ("latency_ms", "login", "p50"), False),
    ("login p99 ms, PLAIN", "login_plain", ("latency_ms", "login", "p99"), False),
    ("chat msgs/s delivered", "chat", ("results", "delivered_per_s"), True),
    ("chat p50 ms", "chat", ("latency_ms", "message", "p50"), False),
    ("chat p99 ms", "chat", ("latency_ms", "message", "p99"), False),
    ("chat p99.9 ms", "chat", ("latency_ms", "message", "p999"), False),
    ("chat lost", "chat", ("results", "lost"), None),
    ("rate: msgs/s delivered", "chat_rate", ("results", "delivered_per_s"), True),
    ("rate: p50 ms", "chat_rate", ("latency_ms", "message", "p50"), False),
    ("rate: p99 ms", "chat_rate", ("latency_ms", "message", "p99"), False),
    ("rate: lost", "chat_rate", ("results", "lost"), None),
    # What the hypervisor took meanwhile: the rate percentiles follow it.
    ("rate: machine steal s", "chat_rate", ("client", "machine_steal_s"), None),
    ("offline stored/s", "offline", ("results", "stored_per_s"), True),
    ("offline drained/s", "offline", ("results", "drained_per_s"), True),
    ("offline missing", "offline", ("results", "missing"), None),
    ("idle sessions held", "idle", ("results", "held"), None),
    ("idle KiB per session", "idle", ("memory", "per_session_kib"), False),
    ("errors (all scenarios)", None, None, None),
]


def metric(result, scenario, path):
    if scenario is None:
        return sum(r["errors"]["total"] for r in result.values())
    if scenario == "login_best":
        rates = [v for v in (metric(result, s, path) for s in ("login_scram", "login_plain")) if v is not None]
        return max(rates) if rates else None
    node = result.get(scenario)
    if path[0] == "latency_ms" and path[2] != "count" and metric(result, scenario, path[:2] + ("count",)) == 0:
        return None  # no sample: no latency
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return "%.0f" % v if abs(v) >= 100 else "%.2f" % v
    return str(v)


def table(results, names):
    """Rows of metrics, a column per server, then jabberd-ng's advantage
    over each peer: ×N means N times better (more per second, or less
    time or memory)."""
    peers = [n for n in names if n != "jabberd-ng"]
    ratio_cols = ["ng vs " + p for p in peers] if "jabberd-ng" in names else []
    header = ["%-26s" % ""] + ["%12s" % n for n in names] + ["%16s" % c for c in ratio_cols]
    lines = ["".join(header)]
    for label, scenario, path, higher in METRICS:
        vals = {n: metric(results[n], scenario, path) for n in names}
        row = ["%-26s" % label] + ["%12s" % fmt(vals[n]) for n in names]
        for p in peers if ratio_cols else ():
            ng, pv = vals["jabberd-ng"], vals[p]
            if (higher is None or not isinstance(ng, (int, float)) or not isinstance(pv, (int, float))
                    or ng <= 0 or pv <= 0):
                row.append("%16s" % "")  # nothing to compare (or a negative memory delta)
            elif higher:
                row.append("%16s" % ("×%.2f" % (ng / pv)))
            else:
                row.append("%16s" % ("×%.2f" % (pv / ng)))
        lines.append("".join(row))
    return "\n".join(lines)


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/etc/debian_version") as f:
            info["debian"] = f.read().strip()
        with open("/proc/meminfo") as f:
            info["mem_total_kib"] = int(f.readline().split()[1])
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["loadavg_start"] = os.getloadavg()
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="jabberd-ng,prosody,ejabberd,jabberd2",
                    help="comma-separated, from: " + ", ".join(servers.SERVERS))
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: proves the tooling in seconds")
    ap.add_argument("--build-dir", default=os.environ.get("JNG_BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--base-port", type=int, default=25400,
                    help="each server gets 10 ports from here on, one block after the other")
    ap.add_argument("--workdir", help="keep configs, logs and summaries here (default: a temporary directory, "
                                      "removed at the end)")
    ap.add_argument("--json", help="write every summary here")
    ap.add_argument("--tls", choices=servers.TLS_MODES, default="starttls",
                    help="starttls: required by every server (default); none: no TLS anywhere, PLAIN in the "
                         "clear for the peers, as the reference figures in docs/benchmarks.md were measured")
    ap.add_argument("--cert", choices=sorted(servers.jng_instance.CERTIFICATE_KEYS), default="rsa",
                    help="the key of the certificate every server gets: rsa (2048 bits, the default) or "
                         "ecdsa (P-256)")
    ap.add_argument("--jng-c2s", type=int, default=1,
                    help="c2s processes of jabberd-ng, sharing the client port (1)")
    ap.add_argument("--step-timeout", type=float, default=30)
    ap.add_argument("--scenario-timeout", type=float, default=900)
    for key, default in FULL.items():
        ap.add_argument("--" + key.replace("_", "-"), type=type(default), default=None,
                        help="(%s; smoke: %s)" % (default, SMOKE[key]))
    args = ap.parse_args()

    sizes = dict(SMOKE if args.smoke else FULL)
    for key in FULL:
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    args.loadgen = os.path.join(args.build_dir, "tools", "loadgen", "loadgen")
    if not os.path.exists(args.loadgen):
        ap.error("no loadgen in %s (build first)" % args.build_dir)
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    for n in names:
        if n not in servers.SERVERS:
            ap.error("unknown server %r" % n)

    # Absolute: every server is started from a directory of its own.
    work = os.path.abspath(args.workdir) if args.workdir else tempfile.mkdtemp(prefix="jng-bench-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)  # ejabberd's VM runs as the package's user
    cert = os.path.join(work, "localhost.pem")
    servers.jng_instance.make_certificate(cert, [servers.DOMAIN], key=args.cert)
    accounts = max(sizes["login_users"], sizes["chat_users"], sizes["idle_sessions"], sizes["offline_users"])

    report = {"command": " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:]),
              "commit": subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                                       text=True).stdout.strip(),
              "machine": machine(), "tls": args.tls, "cert": args.cert, "sizes": sizes,
              "servers": {}, "skipped": {}, "failed": {}}
    results = {}
    status = 0
    for i, name in enumerate(names):
        cls = servers.SERVERS[name]
        base = args.base_port + 10 * i
        directory = os.path.join(work, name)
        server = (cls(directory, base, cert, args.build_dir, args.jng_c2s, tls=args.tls) if name == "jabberd-ng"
                  else cls(directory, base, cert, tls=args.tls))
        try:
            server.check_installed()
        except servers.ServerMissing as e:
            print("%s: skipped: %s" % (name, e), file=sys.stderr)
            report["skipped"][name] = str(e)
            continue
        print("%s: %d accounts, then the scenarios" % (name, accounts), file=sys.stderr)
        try:
            server.prepare()
            # Prosody and ejabberd make accounts through the running server;
            # the others' tools write them before it starts.
            through_server = name in ("prosody", "ejabberd")
            if not through_server:
                server.add_users(accounts, PASSWORD)
            server.start()
            check_open_files(server, accounts)
            if through_server:
                server.add_users(accounts, PASSWORD)
            started = time.monotonic()
            results[name] = bench_server(args, server, sizes, work)
            report["servers"][name] = dict(server.describe(), elapsed_s=time.monotonic() - started,
                                           results=results[name])
        except Exception as e:  # noqa: BLE001 - one server's failure must not hide the others
            print("%s: failed: %s\n%s" % (name, e, server.log_tail()), file=sys.stderr)
            report["failed"][name] = str(e)
            status = 1
        finally:
            server.stop()
    report["machine"]["loadavg_end"] = os.getloadavg()
    ran = [n for n in names if n in results]
    text = table(results, ran) if ran else "no server ran"
    report["table"] = text
    print(text)
    for n in ran:
        d = report["servers"][n]
        print("  %s %s: %s; %s" % (n, d["version"], d["storage"], d["notes"]))
    for n, why in report["skipped"].items():
        print("  %s: skipped (%s)" % (n, why))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
