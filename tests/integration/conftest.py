"""Fixtures for the integration tests: a real jabberd-ng suite (router, sm,
c2s) started from the shipped configs on loopback, in a directory of its own,
torn down after each test. Logs are shown when a test fails, and any
sanitizer report in them fails the test.

Storage: SQLite by default; JNG_STORAGE=pgsql runs every suite on the
PostgreSQL server JNG_TEST_PGSQL names (tools/test starts one), each suite
in a schema of its own."""

import fcntl
import os
import socket
import sys
import tempfile
import itertools

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jng_instance import Instance  # noqa: E402

BUILD_DIR = os.environ.get("JNG_BUILD_DIR", os.path.join(ROOT, "build"))
STORAGE = os.environ.get("JNG_STORAGE", "sqlite")
PGSQL_SERVER = os.environ.get("JNG_TEST_PGSQL")
if STORAGE not in ("sqlite", "pgsql"):
    raise RuntimeError("JNG_STORAGE is sqlite or pgsql, not %r" % STORAGE)
if STORAGE == "pgsql" and not PGSQL_SERVER:
    raise RuntimeError("JNG_STORAGE=pgsql needs JNG_TEST_PGSQL (a conninfo; "
                       "tests/pgsql_server.sh starts a server)")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

_ports = itertools.count(0)
_reserved = []  # lock files of the port blocks this process holds until it exits
PORT_LOCKS = os.path.join(tempfile.gettempdir(), "jng-port-locks")


def _ephemeral_start():
    """Where the kernel starts picking ports for outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def set_limits(daemon, **limits):
    """An `edit` for suites.make(): these attributes of <limits/>
    (max_stanza_bytes=... is max-stanza-bytes) in the config of every daemon
    whose name starts with `daemon` ("c2s" covers c2s-1, c2s-2, ...)."""
    def edit(name, tree):
        if name.startswith(daemon):
            for key, value in limits.items():
                tree.getroot().find("limits").set(key.replace("_", "-"), str(value))
    return edit


def port_block(size=10, address="127.0.0.1"):
    """A base port with `size` free ports after it (on `address` too), distinct
    per test and per test process. Blocks lie below the ephemeral range (no
    outgoing connection takes one between this check and the daemon's bind),
    and each is reserved with a lock file, so test runs side by side never
    share one."""
    low = 20000
    high = max(_ephemeral_start(), low + 100 * size)
    count = (high - low) // size
    offset = os.getpid() % count
    os.makedirs(PORT_LOCKS, exist_ok=True)
    for _ in range(count):
        base = low + (offset + next(_ports)) % count * size
        lock = open(os.path.join(PORT_LOCKS, str(base)), "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        ok = True
        for p in range(base, base + size):
            for a in {"127.0.0.1", address}:
                with socket.socket() as s:
                    try:
                        s.bind((a, p))
                    except OSError:
                        ok = False
            if not ok:
                break
        if ok:
            _reserved.append(lock)
            return base
        lock.close()
    raise RuntimeError("no free port block")


class SuiteFactory:
    """Makes suites for one test; `make(...)` can be called more than once
    (federation tests need two)."""

    def __init__(self, request):
        self.request = request
        self.instances = []

    def make(self, start=True, domains=("localhost",), sm_ids=("sm-1",), c2s_ids=("c2s-1",),
             edit=None, log_level="debug", separate_c2s_ports=False, address="127.0.0.1",
             federation=False, overrides=None, dns_servers=(), base_port=None, storage=None):
        """`address`: the loopback address every listener of the suite binds
        (federation tests give each server its own); `federation`: start the
        resolver and s2s as well; `overrides` and `dns_servers`: where the
        resolver finds other servers (see Instance.write_configs);
        `base_port`: from reserve(), when others must know the ports first;
        `storage`: "sqlite" or "pgsql" whatever JNG_STORAGE says."""
        storage = storage or STORAGE
        if storage == "pgsql" and not PGSQL_SERVER:
            pytest.skip("no PostgreSQL server: JNG_TEST_PGSQL is unset (tools/test starts one)")
        # Short paths: NOTIFY_SOCKET is an AF_UNIX address (108 bytes at most).
        directory = tempfile.mkdtemp(prefix="jng-")
        if base_port is None:
            base_port = port_block(address=address)
        inst = Instance(directory, BUILD_DIR, base_port=base_port, domains=domains,
                        address=address, log_level=log_level, storage=storage,
                        pgsql_server=PGSQL_SERVER)
        inst.write_configs(sm_ids=sm_ids, c2s_ids=c2s_ids, edit=edit,
                           separate_c2s_ports=separate_c2s_ports, overrides=overrides,
                           dns_servers=dns_servers)
        self.instances.append(inst)
        if start:
            inst.start_all(sm_ids=sm_ids, c2s_ids=c2s_ids, federation=federation)
        return inst

    def reserve(self, address="127.0.0.1"):
        """A base port for a suite made later with make(base_port=...):
        servers that federate are told each other's ports before they start."""
        return port_block(address=address)

    def finish(self, failed):
        problems = []
        for inst in self.instances:
            inst.stop_all()
            for name in inst.procs:
                text = inst.log_text(name)
                if any(m in text for m in SANITIZER_MARKERS):
                    problems.append("%s: sanitizer report in %s" % (inst.dir, name))
                if failed or problems:
                    sys.stderr.write("\n===== %s %s =====\n%s" % (inst.dir, name, inst.tail(name, 80)))
        for inst in self.instances:
            if not failed and not problems:
                inst.remove()
        return problems


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def suites(request):
    factory = SuiteFactory(request)
    yield factory
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = factory.finish(failed)
    if problems:
        pytest.fail("; ".join(problems))


@pytest.fixture
def suite(suites):
    """The default suite: localhost, one sm, one c2s, running."""
    return suites.make()
