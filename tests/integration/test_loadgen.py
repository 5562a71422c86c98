"""tools/loadgen against a real suite, with tiny numbers: every scenario
runs to the end within its bounds, and its JSON summary is well-formed and
adds up (every login done, nothing lost, everything stored drained). No
performance is asserted: these runs share the machine with everything
else."""

import json
import os
import socket
import subprocess
import sys

import pytest

from conftest import BUILD_DIR, ROOT

LOADGEN = os.path.join(BUILD_DIR, "tools", "loadgen", "loadgen")
SESSION_MEMORY = os.path.join(ROOT, "tools", "loadgen", "session_memory.py")
MERGE = os.path.join(ROOT, "tools", "loadgen", "merge_shards.py")
PASSWORD = "load-pw"
USERS = 50

SUMMARY_KEYS = {"scenario", "target", "shard", "config", "results", "latency_ms", "errors",
                "client", "histograms_us"}


def add_users(suite, count=USERS, prefix="user"):
    for i in range(count):
        suite.add_user("%s%d" % (prefix, i), PASSWORD)


def loadgen(suite, scenario, *args, port=None, tmp_path, name=None, timeout=180, expect_status=0):
    """Runs one scenario; returns its parsed JSON summary."""
    out = tmp_path / ("%s.json" % (name or scenario))
    cmd = [LOADGEN, scenario, "--host", "127.0.0.1", "--port", str(port or suite.c2s_port),
           "--domain", "localhost", "--password", PASSWORD, "--json", str(out),
           "--step-timeout", "20", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == expect_status, "loadgen %s exited %s\nstdout:\n%s\nstderr:\n%s" % (
        scenario, proc.returncode, proc.stdout, proc.stderr)
    summary = json.loads(out.read_text())
    check_well_formed(summary, scenario)
    return summary


def check_well_formed(summary, scenario):
    assert set(summary) == SUMMARY_KEYS
    assert summary["scenario"] == scenario
    assert summary["target"]["address"].startswith("127.0.0.1:")
    assert summary["errors"]["total"] == sum(summary["errors"]["by_reason"].values())
    for name, lat in summary["latency_ms"].items():
        assert set(lat) == {"count", "min", "mean", "p50", "p90", "p99", "p999", "max"}
        if lat["count"]:
            assert 0 <= lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"]
            assert lat["min"] <= lat["mean"] <= lat["max"]
        assert sum(n for _, n in summary["histograms_us"][name]) == lat["count"]
    assert summary["client"]["cpu_user_s"] >= 0
    assert summary["client"]["machine_steal_s"] >= 0


def test_login_storm_scram_starttls(suite, tmp_path):
    add_users(suite)
    s = loadgen(suite, "login", "--users", USERS, "--in-flight", 10, "--duration", 120,
                tmp_path=tmp_path)
    r = s["results"]
    assert r["logins"] == USERS and r["attempted"] == USERS
    assert r["failed"] == 0 and r["unfinished"] == 0
    assert r["logins_per_s"] > 0
    assert s["target"]["tls"] == "starttls" and s["target"]["mechanism"] == "SCRAM-SHA-256"
    lat = s["latency_ms"]
    assert lat["login"]["count"] == USERS
    for phase in ("connect", "tls", "sasl", "bind", "roster", "presence"):
        assert lat[phase]["count"] == USERS, phase
    assert s["errors"]["total"] == 0


def test_login_storm_plain_direct_tls_with_reuse(suite, tmp_path):
    """PLAIN over direct TLS; --count beyond the accounts reuses them, and
    --hold keeps every session until the end."""
    add_users(suite, 10)
    s = loadgen(suite, "login", "--users", 10, "--count", 25, "--in-flight", 5, "--hold",
                "--tls", "direct", "--mech", "PLAIN", "--duration", 120,
                port=suite.c2s_tls_port, tmp_path=tmp_path)
    r = s["results"]
    assert r["logins"] == 25 and r["failed"] == 0
    assert s["target"]["tls"] == "direct" and s["target"]["mechanism"] == "PLAIN"
    assert s["client"]["pbkdf2_derivations"] == 0  # PLAIN: the server hashes, not us


def test_login_without_tls(suites, tmp_path):
    """The no-TLS variant for comparison with published numbers: SCRAM
    works where the server allows it; PLAIN in the clear is refused by
    jabberd-ng whatever the config, and the loadgen reports that."""
    def no_tls_required(name, tree):
        if name.startswith("c2s"):
            tree.getroot().find("tls").set("required", "false")

    suite = suites.make(edit=no_tls_required)
    add_users(suite, 10)
    s = loadgen(suite, "login", "--users", 10, "--in-flight", 5, "--tls", "none", "--duration", 120,
                tmp_path=tmp_path, name="scram")
    assert s["results"]["logins"] == 10 and s["latency_ms"]["tls"]["count"] == 10
    plain = loadgen(suite, "login", "--users", 10, "--in-flight", 5, "--tls", "none", "--mech", "PLAIN",
                    "--duration", 120, tmp_path=tmp_path, name="plain", expect_status=1)
    assert plain["results"]["logins"] == 0 and plain["results"]["failed"] == 10
    assert plain["errors"]["by_reason"] == {"sasl:PLAIN not offered": 10}


def test_scram_cache_spares_pbkdf2_on_the_second_run(suite, tmp_path):
    add_users(suite, 10)
    cache = tmp_path / "scram.cache"
    first = loadgen(suite, "login", "--users", 10, "--scram-cache", cache, tmp_path=tmp_path, name="first")
    assert first["client"]["pbkdf2_derivations"] == 10
    second = loadgen(suite, "login", "--users", 10, "--scram-cache", cache, tmp_path=tmp_path, name="second")
    assert second["results"]["logins"] == 10
    assert second["client"]["pbkdf2_derivations"] == 0 and second["client"]["scram_cache_hits"] == 10


def test_chat_window_loses_nothing(suite, tmp_path):
    add_users(suite, 20)
    s = loadgen(suite, "chat", "--users", 20, "--window", 2, "--duration", 2, "--drain", 10,
                "--body-bytes", 100, tmp_path=tmp_path)
    r = s["results"]
    assert r["online"] == 20 and r["login_failed"] == 0
    assert r["sent"] > 0
    assert r["lost"] == 0 and r["bounced"] == 0 and r["duplicates"] == 0
    assert r["delivered"] == r["sent"]
    assert s["latency_ms"]["message"]["count"] > 0
    assert s["errors"]["total"] == 0


def test_chat_fixed_rate(suite, tmp_path):
    add_users(suite, 10)
    s = loadgen(suite, "chat", "--users", 10, "--rate", 100, "--warmup", 0.5, "--duration", 2,
                "--drain", 10, tmp_path=tmp_path)
    r = s["results"]
    assert r["mode"] == "rate"
    # 2.5 s at 100/s, scheduled by the clock: about 250 whatever the load.
    assert 150 <= r["sent"] <= 260
    assert r["lost"] == 0 and r["delivered"] == r["sent"] and r["skipped"] == 0


def test_roster_setup_then_presence_fanout(suite, tmp_path):
    add_users(suite, 20)
    setup = loadgen(suite, "roster-setup", "--users", 20, "--contacts", 4, tmp_path=tmp_path)
    r = setup["results"]
    assert r["users_complete"] == 20 and r["subscriptions_both"] == 80
    again = loadgen(suite, "roster-setup", "--users", 20, "--contacts", 4, tmp_path=tmp_path, name="again")
    assert again["results"]["users_complete"] == 20 and again["results"]["subscribe_sent"] == 0

    s = loadgen(suite, "presence", "--users", 20, "--window", 1, "--duration", 2, "--drain", 10,
                tmp_path=tmp_path)
    p = s["results"]
    assert p["online"] == 20 and p["senders"] == 20
    assert p["subscribers_per_user"] == 4
    assert p["changes_sent"] > 0
    assert p["expected_deliveries"] == 4 * p["changes_sent"]
    assert p["delivered"] == p["expected_deliveries"] and p["missing"] == 0 and p["unexpected"] == 0
    assert s["latency_ms"]["presence"]["count"] > 0


def test_idle_sessions_and_memory_probe(suite, tmp_path):
    add_users(suite, 30)
    pids = ",".join(str(suite.procs[n].pid) for n in ("router", "sm-1", "c2s-1"))
    summary = tmp_path / "memory.json"
    loadgen_json = tmp_path / "idle.json"
    proc = subprocess.run(
        [sys.executable, SESSION_MEMORY, "--pids", pids, "--settle", "0.5", "--json", str(summary), "--",
         LOADGEN, "idle", "--port", str(suite.c2s_port), "--users", "30", "--password", PASSWORD,
         "--duration", "3", "--keepalive", "1", "--json", str(loadgen_json)],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    idle = json.loads(loadgen_json.read_text())
    check_well_formed(idle, "idle")
    assert idle["results"]["logged_in"] == 30 and idle["results"]["held"] == 30
    assert idle["results"]["dropped"] == 0
    assert idle["results"]["keepalives_sent"] >= 30
    mem = json.loads(summary.read_text())
    assert mem["sessions"] == 30 and mem["held"] == 30
    assert mem["rss_kib_loaded"] > 0 and mem["per_session_kib"] is not None
    assert "KiB per session" in proc.stdout


def test_offline_flood_is_drained_completely(suite, tmp_path):
    add_users(suite, 30)
    s = loadgen(suite, "offline", "--users", 30, "--senders", 3, "--messages-per-user", 5,
                "--window", 10, "--drain", 20, tmp_path=tmp_path)
    r = s["results"]
    assert r["senders"] == 3 and r["recipients"] == 27
    assert r["sent"] == 27 * 5 and r["rejected"] == 0
    assert r["stored"] == r["sent"]
    assert r["recipients_logged_in"] == 27
    assert r["drained"] == r["stored"] and r["missing"] == 0 and r["duplicates"] == 0
    assert s["latency_ms"]["drain"]["count"] == 27
    # Recipients log out once drained: that is no lost session.
    assert s["errors"]["total"] == 0


def test_shards_and_source_addresses_merge(suite, tmp_path):
    add_users(suite)
    outs = [tmp_path / ("shard%d.json" % i) for i in range(2)]
    procs = [subprocess.Popen(
        [LOADGEN, "login", "--port", str(suite.c2s_port), "--users", str(USERS), "--password", PASSWORD,
         "--shard", "%d/2" % i, "--in-flight", "5", "--source-addresses", "127.0.0.2-127.0.0.4",
         "--json", str(outs[i]), "--quiet"], stdout=subprocess.DEVNULL) for i in range(2)]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    shards = [json.loads(o.read_text()) for o in outs]
    assert [s["results"]["logins"] for s in shards] == [25, 25]
    merged = json.loads(subprocess.run([sys.executable, MERGE, *map(str, outs)], check=True,
                                       capture_output=True, text=True).stdout)
    assert merged["results"]["logins"] == USERS
    assert merged["latency_ms"]["login"]["count"] == USERS
    assert merged["latency_ms"]["login"]["p50"] <= merged["latency_ms"]["login"]["p99"]
    # CPU adds up over the shards; the machine's steal time was shared by them.
    assert merged["client"]["cpu_user_s"] == pytest.approx(sum(s["client"]["cpu_user_s"] for s in shards))
    assert merged["client"]["machine_steal_s"] == max(s["client"]["machine_steal_s"] for s in shards)
    assert "127.0.0.2" in suite.log_text("c2s-1") or "127.0.0.3" in suite.log_text("c2s-1")


def test_refuses_anything_but_loopback(tmp_path):
    for host in ("192.0.2.1", "10.1.2.3", "2001:db8::1"):
        proc = subprocess.run([LOADGEN, "login", "--host", host], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 2
        assert "loopback" in proc.stderr
    proc = subprocess.run([LOADGEN, "login", "--source-addresses", "192.0.2.1"], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2 and "loopback" in proc.stderr


def test_server_errors_are_counted_not_waited_for(suite, tmp_path):
    """Wrong passwords and a server that never answers: every login fails
    with its reason, and the run ends within its step timeout."""
    add_users(suite, 5)
    bad = tmp_path / "bad.json"
    proc = subprocess.run([LOADGEN, "login", "--port", str(suite.c2s_port), "--users", "5",
                           "--password", "wrong", "--json", str(bad), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    s = json.loads(bad.read_text())
    assert s["results"]["failed"] == 5 and s["errors"]["by_reason"] == {"sasl:not-authorized": 5}

    with socket.socket() as silent:  # accepts (in the kernel), never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        out = tmp_path / "silent.json"
        proc = subprocess.run([LOADGEN, "login", "--port", str(silent.getsockname()[1]), "--users", "5",
                               "--step-timeout", "1", "--json", str(out), "--quiet"],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1
        s = json.loads(out.read_text())
        assert s["results"]["failed"] == 5
        assert s["errors"]["by_reason"] == {"timeout:opening": 5}
