"""Federation with a real Prosody from Debian's packages (apt: prosody):
a.test, a complete jabberd-ng installation on 127.0.0.2, and prosody.test,
a Prosody the test starts itself on 127.0.0.4 from a config of its own in a
temporary directory (its own data, pid file, log and ports; nothing of a
system-wide Prosody is used or touched). Prosody finds a.test through a
test DNS server (unbound with SRV and A records, reached through
lua-unbound's `forward` option); our resolver finds prosody.test by a
static override. Users on both sides subscribe to each other and talk,
once with dialback over self-signed certificates and once with SASL
EXTERNAL over certificates from a throw-away CA, and once over direct TLS
(XEP-0368) both ways."""

import os
import re
import socket
import subprocess
import textwrap
import time

import pytest

from dns_server import Unbound
from federation import (A_ADDRESS, PROSODY_ADDRESS, TestCA, online, s2s_log,
                        subscribe_both_ways, trust_and_present)
from jng_instance import DaemonFailed, make_certificate
from xmpp import is_message, run

PROSODY = "/usr/bin/prosody"
PROSODYCTL = "/usr/bin/prosodyctl"
DOMAIN = "prosody.test"
ALICE, PAT = "alice@a.test", "pat@" + DOMAIN


class Prosody:
    """One Prosody process serving DOMAIN. Ports from the test's reserved
    block: c2s base+1, s2s base+8, direct TLS s2s base+9; the DNS server
    it asks listens on base+7."""

    def __init__(self, directory, base_port, cert, key, dns, secure_auth, cafile=None):
        self.dir = directory
        self.address = PROSODY_ADDRESS
        self.c2s_port = base_port + 1
        self.s2s_port = base_port + 8
        self.s2s_tls_port = base_port + 9
        self.cert = cafile or cert  # what clients verify Prosody's certificate with
        self.config = os.path.join(directory, "prosody.cfg.lua")
        self.log = os.path.join(directory, "prosody.log")
        self.proc = None
        for sub in ("data", "certs"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        # Where Prosody looks for a host's certificate by name: for STARTTLS
        # and for direct TLS, which picks it by SNI.
        for src, ext in ((cert, ".crt"), (key, ".key")):
            with open(src) as f, open(os.path.join(directory, "certs", DOMAIN + ext), "w") as out:
                out.write(f.read())
        settings = {
            "dir": directory, "address": self.address, "c2s": self.c2s_port,
            "s2s": self.s2s_port, "s2s_tls": self.s2s_tls_port, "dns": dns.server.replace(":", "@"),
            "secure": "true" if secure_auth else "false",
            "root": "true" if os.geteuid() == 0 else "false",
            "cafile": 'ssl = { cafile = "%s" }' % cafile if cafile else "",
        }
        with open(self.config, "w") as f:
            f.write(textwrap.dedent("""\
                -- prosody.test for the jabberd-ng federation tests: everything
                -- in this directory, on {address} only.
                pidfile = "{dir}/prosody.pid"
                data_path = "{dir}/data"
                certificates = "{dir}/certs"
                run_as_root = {root}
                log = {{ {{ levels = {{ min = "debug" }}, to = "file", filename = "{dir}/prosody.log" }} }}
                interfaces = {{ "{address}" }}
                local_interfaces = {{ "{address}" }}
                c2s_ports = {{ {c2s} }}
                s2s_ports = {{ {s2s} }}
                s2s_direct_tls_ports = {{ {s2s_tls} }}
                use_ipv6 = false
                modules_enabled = {{
                    "roster"; "saslauth"; "tls"; "dialback"; "disco"; "presence";
                    "offline"; "ping"; "posix";
                }}
                authentication = "internal_hashed"
                storage = "internal"
                c2s_require_encryption = true
                s2s_require_encryption = true
                s2s_secure_auth = {secure}
                {cafile}
                -- The test's DNS server, and neither /etc/resolv.conf nor
                -- /etc/hosts; unbound treats test. as reserved (RFC 6761)
                -- unless told otherwise.
                unbound = {{
                    resolvconf = false; hoststxt = false;
                    forward = {{ "{dns}" }};
                    options = {{ ["local-zone:"] = "test. transparent" }};
                }}

                VirtualHost "prosody.test"
                """).format(**settings))

    def ctl(self, *args):
        return subprocess.run([PROSODYCTL, "--config", self.config, *args], capture_output=True,
                              text=True, timeout=30)

    def register(self, user, password):
        out = self.ctl("register", user, DOMAIN, password)
        assert out.returncode == 0, out.stdout + out.stderr

    def c2s_ports(self, c2s_id="c2s-1"):
        return self.c2s_port, None  # as Instance.c2s_ports, for xmpp.Client

    def start(self, timeout=20):
        with open(os.path.join(self.dir, "prosody.out"), "wb") as out:
            self.proc = subprocess.Popen([PROSODY, "-F", "--config", self.config],
                                         cwd=self.dir, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DaemonFailed("prosody exited with status %s:\n%s"
                                   % (self.proc.returncode, self.tail()))
            if all(self._listening(p) for p in (self.c2s_port, self.s2s_port)):
                return self
            time.sleep(0.1)
        self.stop()
        raise DaemonFailed("prosody not listening after %ss:\n%s" % (timeout, self.tail()))

    def _listening(self, port):
        try:
            socket.create_connection((self.address, port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, lines=60):
        out = os.path.join(self.dir, "prosody.out")
        text = open(out, errors="replace").read() if os.path.exists(out) else ""
        return text + "".join(self.log_text().splitlines(True)[-lines:])


@pytest.fixture
def federation(suites, tmp_path, request):
    """make(secure=..., direct_tls=...) -> (a.test suite, Prosody), both
    running, with alice@a.test and pat@prosody.test; Prosody and its DNS
    server are stopped whatever happens."""
    helpers = []

    def make(secure=False, direct_tls=False):
        a_base = suites.reserve(A_ADDRESS)
        p_base = suites.reserve(PROSODY_ADDRESS)
        a_s2s = a_base + (9 if direct_tls else 8)
        # a.test as Prosody finds it: SRV (XEP-0368's _xmpps-server for
        # direct TLS), then the address.
        service = "_xmpps-server" if direct_tls else "_xmpp-server"
        dns = Unbound(str(tmp_path / "dns"), p_base + 7, [
            "%s._tcp.a.test. 300 IN SRV 0 0 %d a.test." % (service, a_s2s),
            "a.test. 300 IN A %s" % A_ADDRESS,
        ], address=PROSODY_ADDRESS)
        helpers.append(dns)
        dns.start()

        edit, cafile = None, None
        if secure:
            # Certificates that name each domain, from a CA both trust.
            ca = TestCA(str(tmp_path / "ca"))
            _, _, a_pem = ca.issue("a.test")
            p_cert, p_key, _ = ca.issue(DOMAIN)
            edit, cafile = trust_and_present(ca, a_pem), ca.cert
        else:
            # Self-signed on both sides: nothing to trust, dialback it is.
            pem = str(tmp_path / "prosody-self-signed.pem")
            make_certificate(pem, [DOMAIN])
            p_cert = p_key = pem

        prosody = Prosody(str(tmp_path / "prosody"), p_base, p_cert, p_key, dns,
                          secure_auth=secure, cafile=cafile)
        helpers.append(prosody)
        prosody.register("pat", "pw")
        prosody.start()

        target = (PROSODY_ADDRESS, prosody.s2s_tls_port if direct_tls else prosody.s2s_port,
                  "direct" if direct_tls else "starttls")
        a = suites.make(domains=("a.test",), address=A_ADDRESS, base_port=a_base,
                        federation=True, overrides={DOMAIN: [target]}, edit=edit)
        a.add_user("alice", "pw")
        return a, prosody

    yield make

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for h in reversed(helpers):
        h.stop()
        if failed and isinstance(h, Prosody):
            print("\n===== prosody =====\n" + h.tail(120))


def converse(a, prosody):
    """alice@a.test and pat@prosody.test subscribe to each other (alice
    asks first, then pat) and exchange messages both ways."""
    async def body():
        alice = await online(a, ALICE + "/phone")
        pat = await online(prosody, PAT + "/laptop")
        await subscribe_both_ways(alice, pat)

        p_mark = pat.mark()
        alice.send_message(mto=PAT, mbody="hello Prosody", mtype="chat")
        await pat.received(is_message(frm=ALICE + "/phone", body="hello Prosody"), since=p_mark)
        a_mark = alice.mark()
        pat.send_message(mto=ALICE + "/phone", mbody="hello jabberd-ng", mtype="chat")
        await alice.received(is_message(frm=PAT + "/laptop", body="hello jabberd-ng"),
                             since=a_mark)
        await alice.close()
        await pat.close()

    run(body())


def test_dialback_with_prosody(federation):
    a, prosody = federation(secure=False)
    converse(a, prosody)
    ours, theirs = s2s_log(a), prosody.log_text()
    # Each server authenticated the other by dialback, in both directions.
    assert "s2s to prosody.test: dialback for a.test accepted" in ours, ours
    assert re.search(r"inbound \d+ \(\S+\): prosody\.test authenticated by dialback", ours), ours
    assert "SASL EXTERNAL" not in ours
    assert "connection a.test->prosody.test is now authenticated for a.test" in theirs
    assert "connection prosody.test->a.test is now authenticated for a.test" in theirs


def test_sasl_external_with_prosody(federation):
    a, prosody = federation(secure=True)
    converse(a, prosody)
    ours, theirs = s2s_log(a), prosody.log_text()
    # XEP-0178 both ways: our stream to Prosody, and Prosody's to us.
    assert "s2s to prosody.test: a.test authenticated by certificate (SASL EXTERNAL)" in ours, ours
    assert re.search(r"inbound \d+ \(\S+\): prosody\.test authenticated by certificate "
                     r"\(SASL EXTERNAL\)", ours), ours
    assert "Accepting SASL EXTERNAL identity from a.test" in theirs
    assert "SASL EXTERNAL with a.test succeeded" in theirs
    # No dialback was needed for either stream.
    assert "authenticated by dialback" not in ours
    assert "dialback for a.test accepted" not in ours


def test_direct_tls_with_prosody(federation):
    a, prosody = federation(secure=False, direct_tls=True)
    converse(a, prosody)
    ours = s2s_log(a)
    assert re.search(r"s2s to prosody\.test: connecting to \S+ \(%s:%d, direct TLS\)"
                     % (PROSODY_ADDRESS, prosody.s2s_tls_port), ours), ours
    assert re.search(r"inbound \d+ from \S+ \(direct TLS\)", ours), ours
    assert not re.search(r"inbound \d+ from \S+\n", ours), ours
