"""The resolver against a real DNS server: Debian's unbound, run as an
ordinary process on a loopback port of the test's own, serves a made-up
`test.` zone (SRV records with chosen priorities, weights and TTLs, '.'
targets, names that do not exist, a zone that refuses). The router and the
resolver run from the shipped configs; a plain XEP-0114 component asks the
questions s2s will ask. A DNS server that swallows every query and one that
answers garbage show that failures are answered in time and that the
resolver stays up."""

import hashlib
import itertools
import os
import secrets
import signal
import socket
import struct
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from dns_server import Unbound
from jng_instance import ETC, DaemonFailed, binary_path

NS = "urn:jabberd-ng:resolver:1"
ACCEPT = "jabber:component:accept"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

WEIGHTED_DOMAINS = 30

ZONE = [
    # a.test: both services, priorities interleaved (XEP-0368), two
    # weighted records sharing priority 10.
    "_xmpps-server._tcp.a.test. 300 IN SRV 5 0 5223 x1.a.test.",
    "_xmpps-server._tcp.a.test. 300 IN SRV 15 0 443 x4.a.test.",
    "_xmpp-server._tcp.a.test. 300 IN SRV 10 60 5269 x1.a.test.",
    "_xmpp-server._tcp.a.test. 300 IN SRV 10 40 5270 x2.a.test.",
    "_xmpp-server._tcp.a.test. 300 IN SRV 20 0 5271 x3.a.test.",
    "x1.a.test. 300 IN A 127.0.0.11",
    "x1.a.test. 300 IN AAAA fd00::11",
    "x2.a.test. 300 IN A 127.0.0.12",
    "x3.a.test. 300 IN AAAA fd00::13",
    "x4.a.test. 300 IN A 127.0.0.14",
    "x4.a.test. 300 IN AAAA fd00::14",
    # fb.test: no SRV at all, the domain's own addresses.
    "fb.test. 300 IN A 127.0.0.21",
    "fb.test. 300 IN AAAA fd00::21",
    # dot.test: "decidedly not available" (RFC 2782), though it has an address.
    "_xmpp-server._tcp.dot.test. 300 IN SRV 0 0 0 .",
    "dot.test. 300 IN A 127.0.0.22",
    # dotdirect.test: no direct TLS, STARTTLS on a named host.
    "_xmpps-server._tcp.dotdirect.test. 300 IN SRV 0 0 0 .",
    "_xmpp-server._tcp.dotdirect.test. 300 IN SRV 1 0 5269 s.dotdirect.test.",
    "s.dotdirect.test. 300 IN A 127.0.0.23",
    # short.test: TTLs of one second.
    "_xmpp-server._tcp.short.test. 1 IN SRV 1 0 5269 s.short.test.",
    "s.short.test. 1 IN A 127.0.0.24",
    # c.test: asked many times at once.
    "_xmpp-server._tcp.c.test. 300 IN SRV 1 0 5269 s.c.test.",
    "s.c.test. 300 IN A 127.0.0.25",
    # wN.test: 90 against 10 within one priority.
    "big.w.test. 300 IN A 127.0.0.31",
    "small.w.test. 300 IN A 127.0.0.32",
] + [line for i in range(WEIGHTED_DOMAINS) for line in (
    "_xmpp-server._tcp.w%d.test. 300 IN SRV 10 90 5269 big.w.test." % i,
    "_xmpp-server._tcp.w%d.test. 300 IN SRV 10 10 5270 small.w.test." % i)]


# ---- DNS servers -------------------------------------------------------------

class SilentDns:
    """A UDP socket that takes every query and answers none: a dead server
    that does not even say 'port unreachable'."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


class GarbageDns(threading.Thread):
    """Answers every query with a datagram of junk, then with a reply that
    matches the question but whose answer record runs past the end of the
    message."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.answered = 0

    def run(self):
        while self.running:
            try:
                query, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(query) < 17:
                continue
            end = 12
            while end < len(query) and query[end] != 0:
                end += query[end] + 1
            question = query[12:end + 5]
            qtype = question[-4:-2]
            self.sock.sendto(secrets.token_bytes(40), peer)
            reply = query[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) + question + \
                b"\xc0\x0c" + qtype + b"\x00\x01" + struct.pack(">IH", 300, 200) + b"\x00\x01\x02"
            self.sock.sendto(reply, peer)
            self.answered += 1

    def close(self):
        self.running = False
        self.join(2)
        self.sock.close()


# ---- the component that asks -------------------------------------------------

class Asker:
    """A plain XEP-0114 component (socket and SHA-1 handshake, nothing of
    ours) that sends resolve requests and reads the replies."""

    _ids = itertools.count(1)

    def __init__(self, inst, name, secret):
        self.name = name
        self.sock = socket.create_connection((inst.address, inst.router_port), timeout=10)
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.stream_id = None
        self.stanzas = []
        self.sock.sendall(("<?xml version='1.0'?><stream:stream xmlns='%s' "
                           "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>"
                           % (ACCEPT, name)).encode())
        deadline = time.monotonic() + 10
        while self.stream_id is None:
            assert time.monotonic() < deadline, "no stream header from the router"
            self._pump(deadline)
        digest = hashlib.sha1((self.stream_id + secret).encode()).hexdigest()
        self.sock.sendall(("<handshake>%s</handshake>" % digest).encode())
        self.next(lambda e: e.tag == "{%s}handshake" % ACCEPT)

    def _pump(self, deadline):
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        if not data:
            raise ConnectionError("the router closed the stream")
        self.parser.feed(data)
        for event, element in self.parser.read_events():
            if event == "start":
                self.depth += 1
                if self.depth == 1:
                    self.stream_id = element.get("id")
            else:
                self.depth -= 1
                if self.depth == 1:
                    self.stanzas.append(element)

    def next(self, match, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            for i, st in enumerate(self.stanzas):
                if match(st):
                    return self.stanzas.pop(i)
            if time.monotonic() >= deadline:
                raise AssertionError("nothing expected arrived within %ss; got %s"
                                     % (timeout, [ET.tostring(s) for s in self.stanzas]))
            self._pump(deadline)

    def send_resolve(self, domain, to="resolver", kind="get"):
        return self.send_resolves([domain], to, kind)[0]

    def send_resolves(self, domains, to="resolver", kind="get"):
        """Sends one request per domain, all in one write."""
        ids, data = [], b""
        for domain in domains:
            ids.append("q%d" % next(self._ids))
            iq = ET.Element("iq", {"type": kind, "from": self.name, "to": to, "id": ids[-1]})
            ET.SubElement(iq, "resolve", {"xmlns": NS, "domain": domain})
            data += ET.tostring(iq)
        self.sock.sendall(data)
        return ids

    def reply(self, iq_id, timeout=10):
        return self.next(lambda e: e.get("id") == iq_id, timeout)

    def resolve(self, domain, timeout=10):
        return self.reply(self.send_resolve(domain), timeout)

    def close(self):
        self.sock.close()


def targets(iq):
    assert iq.get("type") == "result", ET.tostring(iq)
    resolve = iq.find("{%s}resolve" % NS)
    return [(t.get("host"), t.get("address"), int(t.get("port")), t.get("tls"))
            for t in resolve.findall("{%s}target" % NS)]


def condition(iq):
    assert iq.get("type") == "error", ET.tostring(iq)
    for child in iq.find("{%s}error" % ACCEPT):
        if child.tag.startswith("{%s}" % STANZAS) and not child.tag.endswith("}text"):
            return child.tag.split("}")[1]
    return None


# ---- fixtures ----------------------------------------------------------------

@pytest.fixture
def router(suites):
    """A router alone, whose users include the resolver and the asker."""
    keys = {"resolver": secrets.token_hex(16), "asker": secrets.token_hex(16)}

    def edit(name, tree):
        if name == "router-users":
            users = tree.getroot()
            # The shipped file lists the resolver already: replace its entry.
            for c in users.findall("component"):
                if c.get("name") in keys:
                    users.remove(c)
            for component, secret in keys.items():
                ET.SubElement(users, "component", name=component, secret=secret)
    inst = suites.make(start=False, edit=edit)
    inst.start("router")
    inst.component_keys = keys
    return inst


@pytest.fixture
def dns(router):
    # The instance's port block is reserved for this test; the router uses
    # its first ports only.
    server = Unbound(router.path("unbound"), router.base_port + 7, ZONE,
                     zones=(("test.", "static"), ("refused.test.", "always_refuse")))
    server.start()
    yield server
    server.stop()


class ResolverProcess:
    def __init__(self, inst, proc):
        self.inst = inst
        self.proc = proc

    def running(self):
        return self.proc.poll() is None

    def log(self):
        return self.inst.log_text("resolver")


@pytest.fixture
def resolver(router, request):
    """start(servers, ...) writes resolver.xml from etc/ and starts the
    resolver with a NOTIFY_SOCKET; returns once it said READY=1."""
    started = []

    def start(servers, timeout_ms=500, tries=2, lookup_timeout_ms=3000, overrides=()):
        tree = ET.parse(os.path.join(ETC, "resolver.xml"))
        r = tree.getroot()
        r.find("log/level").text = "debug"
        link = r.find("router")
        link.set("address", router.address)
        link.set("port", str(router.router_port))
        link.set("secret", router.component_keys["resolver"])
        d = r.find("dns")
        d.set("timeout-ms", str(timeout_ms))
        d.set("tries", str(tries))
        d.set("lookup-timeout-ms", str(lookup_timeout_ms))
        for s in servers:
            ET.SubElement(d, "server").text = s
        # Honour TTLs down to one second; keep no failures.
        r.find("cache").set("min-ttl", "1")
        r.find("cache").set("failure-ttl", "0")
        for domain, entries in overrides:
            o = ET.SubElement(r, "override", domain=domain)
            for attrs in entries:
                ET.SubElement(o, "target", attrs)
        path = router.config_path("resolver")
        tree.write(path, encoding="unicode", xml_declaration=True)
        proc = start_notified(router, "resolver", [path])
        started.append(proc)
        return ResolverProcess(router, proc)

    yield start

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = []
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                problems.append("the resolver did not stop on SIGTERM")
    if started:
        text = router.log_text("resolver")
        if any(m in text for m in SANITIZER_MARKERS):
            problems.append("sanitizer report in the resolver's log")
        if failed or problems:
            print("\n===== resolver =====\n" + text[-6000:])
    if problems:
        pytest.fail("; ".join(problems))


def start_notified(inst, name, config_args, timeout=20):
    """Starts jabberd-ng-`name` -c CONFIG as Instance.start does, and waits
    for READY=1 on its NOTIFY_SOCKET."""
    notify = inst.path("run", name + ".notify")
    if os.path.exists(notify):
        os.unlink(notify)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify)
    sock.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=notify)
    env.pop("JOURNAL_STREAM", None)
    with open(inst.log_path(name), "ab") as logf:
        proc = subprocess.Popen([binary_path(inst.build_dir, name), "-c", *config_args],
                                cwd=inst.dir, env=env, stdout=logf, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise DaemonFailed("%s exited with status %s; log:\n%s"
                                   % (name, proc.returncode, inst.tail(name)))
            try:
                msg = sock.recv(4096).decode()
            except socket.timeout:
                continue
            if "READY=1" in msg.split("\n"):
                return proc
        proc.kill()
        proc.wait()
        raise DaemonFailed("%s not ready after %ss; log:\n%s" % (name, timeout, inst.tail(name)))
    finally:
        sock.close()


@pytest.fixture
def asker(router):
    a = Asker(router, "asker", router.component_keys["asker"])
    yield a
    a.close()


def local_dns(server):
    return ["127.0.0.1:%d" % server.port]


# ---- the conversation --------------------------------------------------------

def test_srv_order_mixes_both_services_by_priority(router, dns, resolver, asker):
    resolver(local_dns(dns))
    got = targets(asker.resolve("a.test"))
    # Priority 5 (xmpps), then 10 (xmpp, two records in weighted order),
    # 15 (xmpps), 20 (xmpp); each host's IPv6 address before its IPv4 one.
    assert got[:2] == [("x1.a.test", "fd00::11", 5223, "direct"),
                       ("x1.a.test", "127.0.0.11", 5223, "direct")]
    x1 = [("x1.a.test", "fd00::11", 5269, "starttls"), ("x1.a.test", "127.0.0.11", 5269, "starttls")]
    x2 = [("x2.a.test", "127.0.0.12", 5270, "starttls")]
    assert got[2:5] in (x1 + x2, x2 + x1)
    assert got[5:] == [("x4.a.test", "fd00::14", 443, "direct"),
                       ("x4.a.test", "127.0.0.14", 443, "direct"),
                       ("x3.a.test", "fd00::13", 5271, "starttls")]


def test_weights_decide_the_order_within_a_priority(router, dns, resolver, asker):
    resolver(local_dns(dns))
    firsts = []
    for i in range(WEIGHTED_DOMAINS):
        got = targets(asker.resolve("w%d.test" % i))
        assert sorted(t[0] for t in got) == ["big.w.test", "small.w.test"]
        firsts.append(got[0][0])
    # Weight 90 against 10: first about 90% of the time. Fewer than 20 of
    # 30 has a probability below 1e-5.
    assert firsts.count("big.w.test") >= 20, firsts


def test_no_srv_falls_back_to_the_domains_addresses(router, dns, resolver, asker):
    resolver(local_dns(dns))
    assert targets(asker.resolve("fb.test")) == [("fb.test", "fd00::21", 5269, "starttls"),
                                                 ("fb.test", "127.0.0.21", 5269, "starttls")]


def test_dot_target_means_no_service(router, dns, resolver, asker):
    resolver(local_dns(dns))
    assert condition(asker.resolve("dot.test")) == "remote-server-not-found"
    # No A/AAAA fallback after a '.': the domain's address was never asked.
    assert " dot.test. A IN" not in dns.queries()
    assert " dot.test. AAAA IN" not in dns.queries()
    # A '.' for direct TLS only leaves the STARTTLS records.
    assert targets(asker.resolve("dotdirect.test")) == [
        ("s.dotdirect.test", "127.0.0.23", 5269, "starttls")]


def test_missing_domain_and_refusing_server(router, dns, resolver, asker):
    resolver(local_dns(dns))
    assert condition(asker.resolve("nx.test")) == "remote-server-not-found"
    # REFUSED says nothing about the domain: try again later.
    assert condition(asker.resolve("x.refused.test")) == "remote-server-timeout"


def test_dead_dns_server_gives_a_timeout_in_time(router, resolver, asker):
    silent = SilentDns()
    try:
        # c-ares alone would wait 1 + 2 + 4 seconds; the lookup's deadline
        # cuts it at 1.5.
        r = resolver(["127.0.0.1:%d" % silent.port], timeout_ms=1000, tries=3,
                     lookup_timeout_ms=1500)
        started = time.monotonic()
        reply = asker.resolve("slow.test", timeout=15)
        elapsed = time.monotonic() - started
        assert condition(reply) == "remote-server-timeout"
        assert 1.3 <= elapsed < 4.0, elapsed
        assert r.running()
    finally:
        silent.close()


def test_garbage_from_dns_is_an_error_and_the_resolver_stays_up(router, resolver, asker):
    garbage = GarbageDns()
    garbage.start()
    try:
        r = resolver(["127.0.0.1:%d" % garbage.port],
                     overrides=[("b.test", [{"host": "127.0.0.2"}])])
        for domain in ("junk.test", "more-junk.test"):
            assert condition(asker.resolve(domain)) == "remote-server-timeout"
        assert garbage.answered >= 4
        assert "malformed answer" in r.log()
        assert r.running()
        assert targets(asker.resolve("b.test")) == [("127.0.0.2", "127.0.0.2", 5269, "starttls")]
    finally:
        garbage.close()


def test_static_override_is_answered_without_dns(router, dns, resolver, asker):
    resolver(local_dns(dns), overrides=[("b.test", [
        {"host": "127.0.0.2", "port": "5269", "tls": "starttls"},
        {"host": "xmpp.b.test", "address": "127.0.0.3", "port": "5270", "tls": "direct"}])])
    assert targets(asker.resolve("B.test")) == [("127.0.0.2", "127.0.0.2", 5269, "starttls"),
                                                ("xmpp.b.test", "127.0.0.3", 5270, "direct")]
    assert " b.test." not in dns.queries()


def test_cached_answers_outlive_the_dns_server_until_their_ttl(router, dns, resolver, asker):
    resolver(local_dns(dns))
    short = targets(asker.resolve("short.test"))
    assert short == [("s.short.test", "127.0.0.24", 5269, "starttls")]
    asked_at = time.monotonic()
    first = targets(asker.resolve("a.test"))
    dns.stop()
    assert targets(asker.resolve("a.test")) == first  # 300 s TTL: from the cache
    # short.test's one second is over, and no DNS server is left to ask.
    time.sleep(max(0, asked_at + 1.5 - time.monotonic()))
    assert condition(asker.resolve("short.test")) == "remote-server-timeout"


def test_requests_for_one_domain_share_one_lookup(router, dns, resolver, asker):
    r = resolver(local_dns(dns))
    # In one write, so they reach the resolver before DNS can answer.
    ids = asker.send_resolves(["c.test"] * 5)
    for iq_id in ids:
        assert targets(asker.reply(iq_id)) == [("s.c.test", "127.0.0.25", 5269, "starttls")]
    assert dns.queries().count("_xmpp-server._tcp.c.test. SRV IN") == 1
    assert dns.queries().count("s.c.test. A IN") == 1
    assert "c.test: joins the lookup in progress" in r.log()


def test_ip_literals_and_bad_requests(router, dns, resolver, asker):
    resolver(local_dns(dns))
    assert targets(asker.resolve("192.0.2.7")) == [("192.0.2.7", "192.0.2.7", 5269, "starttls")]
    assert targets(asker.resolve("[2001:DB8::7]")) == [
        ("[2001:db8::7]", "2001:db8::7", 5269, "starttls")]
    assert condition(asker.resolve("bad..test")) == "bad-request"
    assert condition(asker.reply(asker.send_resolve("a.test", kind="set"))) == "bad-request"


def test_a_bad_config_is_refused_with_file_and_line(router, tmp_path):
    bad = tmp_path / "resolver.xml"
    bad.write_text("<resolver>\n  <router secret='s3cret-resolver'/>\n"
                   "  <dns><server>not-an-address</server></dns>\n</resolver>\n")
    out = subprocess.run([binary_path(router.build_dir, "resolver"), "-c", str(bad), "--check"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "%s:3: DNS server:" % bad in out.stderr + out.stdout
