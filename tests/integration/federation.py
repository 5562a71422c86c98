"""What the federation tests share: servers on loopback addresses of their
own that find each other, a throw-away certificate authority, config edits
for s2s.xml, and the subscription handshake of RFC 6121 §3 across servers."""

import os
import re
import secrets
import socket
import ssl
import subprocess
import threading

from slixmpp.xmlstream import ET

from xmpp import NS_ROSTER, is_presence, is_roster_push, login, roster_items

# Each server of a test on its own loopback address, as on separate hosts.
# Connections between them leave from 127.0.0.1 (nothing binds the source
# address), so a hostile peer on HOSTILE is counted apart from them.
A_ADDRESS, B_ADDRESS, PROSODY_ADDRESS, HOSTILE = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.9"


def s2s_settings(settings, also=None):
    """An edit for Instance.write_configs: attributes to set in s2s.xml,
    {"timeouts": {"auth": "5"}, ...}; `also(name, tree)` edits further."""
    def edit(name, tree):
        if name == "s2s":
            root = tree.getroot()
            for path, attrs in settings.items():
                element = root.find(path)
                if element is None:
                    element = ET.SubElement(root, path)
                for k, v in attrs.items():
                    element.set(k, str(v))
        if also:
            also(name, tree)
    return edit


def pair(suites, a_domains=("a.test",), tls="starttls", a_edit=None, b_edit=None,
         a_overrides=None, start=True):
    """Two complete installations: a.test (and any further `a_domains`) on
    A_ADDRESS, b.test on B_ADDRESS, each resolver told where the other
    server is by a static override (its STARTTLS port, or its direct TLS
    port with `tls='direct'`)."""
    a_port = suites.reserve(A_ADDRESS)
    b_port = suites.reserve(B_ADDRESS)
    s2s_port = 8 if tls == "starttls" else 9  # see Instance: base+8, base+9
    to_b = {"b.test": [(B_ADDRESS, b_port + s2s_port, tls)]}
    to_b.update(a_overrides or {})
    to_a = {d: [(A_ADDRESS, a_port + s2s_port, tls)] for d in a_domains}
    a = suites.make(start=False, domains=a_domains, address=A_ADDRESS, base_port=a_port,
                    overrides=to_b, edit=a_edit)
    b = suites.make(start=False, domains=("b.test",), address=B_ADDRESS, base_port=b_port,
                    overrides=to_a, edit=b_edit)
    if start:
        a.start_all(federation=True)
        b.start_all(federation=True)
    return a, b


def s2s_log(inst, since=0):
    """s2s's log from byte `since` on."""
    with open(inst.log_path("s2s"), "rb") as f:
        f.seek(since)
        return f.read().decode(errors="replace")


# ---- a receiving server by hand ---------------------------------------------------


class FakeReceivingServer(threading.Thread):
    """A remote server that our s2s connects to (on `address`, a port of its
    own): it answers the stream, STARTTLS with `pem`, offers dialback, takes
    our key, answers as `behaviour` says - "invalid" (refuses the key,
    XEP-0220 §2.1.1), "error" (a dialback error, §2.4) or "close" (no
    answer) - and hangs up. Counts the connections it got."""

    NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"

    def __init__(self, address, domain, pem, behaviour):
        super().__init__(daemon=True)
        self.domain = domain
        self.behaviour = behaviour
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pem)
        self.listener = socket.socket()
        self.listener.bind((address, 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.keys = []  # the <db:result/> elements we got
        self.errors = []
        self.running = True

    def run(self):
        while self.running:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            try:
                self._serve(sock)
            except (OSError, ValueError) as e:
                self.errors.append(repr(e))
            finally:
                sock.close()

    def _read_until(self, sock, buf, pattern):
        sock.settimeout(10)
        while not re.search(pattern, buf):
            chunk = sock.recv(65536)
            if not chunk:
                raise ValueError("closed while waiting for %r; got %r" % (pattern, buf))
            buf += chunk
        return buf

    def _open(self, sock, features):
        buf = self._read_until(sock, b"", rb"<stream:stream[^>]*>")
        sock.sendall(("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                      "xmlns:stream='http://etherx.jabber.org/streams' "
                      "xmlns:db='jabber:server:dialback' from='%s' id='%s' version='1.0'>"
                      "<stream:features>%s</stream:features>"
                      % (self.domain, secrets.token_hex(8), features)).encode())
        return buf

    def _serve(self, sock):
        self._open(sock, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>")
        self._read_until(sock, b"", rb"<starttls")
        sock.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        sock = self.ctx.wrap_socket(sock, server_side=True)
        self._open(sock, "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>")
        buf = self._read_until(sock, b"", rb"</db:result>")
        key = re.search(rb"<db:result[^>]*>[^<]*</db:result>", buf).group(0).decode()
        self.keys.append(key)
        sender = re.search(r"from=['\"]([^'\"]+)", key).group(1)
        if self.behaviour == "invalid":
            sock.sendall(("<db:result from='%s' to='%s' type='invalid'/><stream:error>"
                          "<not-authorized xmlns='%s'/></stream:error></stream:stream>"
                          % (self.domain, sender, self.NS_STREAMS)).encode())
        elif self.behaviour == "error":
            sock.sendall(("<db:result from='%s' to='%s' type='error'><error type='cancel'>"
                          "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                          "</error></db:result>" % (self.domain, sender)).encode())
        sock.close()

    def stop(self):
        self.running = False
        self.join(5)
        self.listener.close()


# ---- certificates --------------------------------------------------------------


class TestCA:
    """A throw-away certificate authority (openssl CLI) that issues server
    certificates naming their domain as a DNS subjectAltName, usable for
    both ends of a server-to-server connection (RFC 6120 §13.7.1.2)."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.cert = os.path.join(directory, "ca.crt")
        self.key = os.path.join(directory, "ca.key")
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                  "-nodes", "-days", "2", "-subj", "/CN=jabberd-ng test CA",
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                  "-keyout", self.key, "-out", self.cert)

    def _run(self, *args):
        subprocess.run(["openssl", *args], check=True, cwd=self.dir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def issue(self, domain):
        """(certificate, key, both in one PEM) file names for `domain`."""
        base = os.path.join(self.dir, domain)
        with open(base + ".ext", "w") as f:
            f.write("subjectAltName=DNS:%s\n"
                    "extendedKeyUsage=serverAuth,clientAuth\n"
                    "basicConstraints=CA:FALSE\n" % domain)
        self._run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                  "-nodes", "-subj", "/CN=" + domain, "-keyout", base + ".key",
                  "-out", base + ".csr")
        self._run("x509", "-req", "-in", base + ".csr", "-CA", self.cert, "-CAkey", self.key,
                  "-CAcreateserial", "-days", "2", "-out", base + ".crt",
                  "-extfile", base + ".ext")
        with open(base + ".pem", "w") as out:
            for part in (".crt", ".key"):
                with open(base + part) as f:
                    out.write(f.read())
        return base + ".crt", base + ".key", base + ".pem"


def trust_and_present(ca, pem):
    """s2s.xml settings: verify peers with `ca`, present `pem` for every
    local domain."""
    def edit(name, tree):
        if name == "s2s":
            root = tree.getroot()
            root.find("tls").set("cert", pem)
            root.find("tls").set("ca-file", ca.cert)
            for d in root.findall("local/domain"):
                d.set("cert", pem)
    return edit


# ---- subscriptions ---------------------------------------------------------------


async def online(suite, jid, **kw):
    """A logged-in, available client that leaves subscription requests to
    the test (slixmpp would otherwise answer them itself)."""
    return await login(suite, jid, "pw", auto_authorize=None, **kw)


async def roster_of(client):
    iq = client.Iq()
    iq["type"] = "get"
    iq.append(ET.Element("{%s}query" % NS_ROSTER))
    answer = await client.query(iq)
    assert answer["type"] == "result", answer
    return {item["jid"]: item for item in roster_items(answer)}


def subscription(item):
    return item.get("subscription"), item.get("ask")


async def pushed(client, contact, since, subscription_state):
    """Waits for the roster push that gives `contact` `subscription_state`."""
    def match(st):
        return is_roster_push(contact)(st) and \
            roster_items(st)[0].get("subscription") == subscription_state
    await client.received(match, since=since, timeout=15,
                          what="roster push: %s %s" % (contact, subscription_state))


async def subscribe_both_ways(alice, bob):
    """RFC 6121 §3.1 twice, across servers: alice asks, bob approves, bob
    asks, alice approves; checks each step's roster push and presence, and
    the rosters both end with."""
    alice_jid, bob_jid = alice.boundjid.bare, bob.boundjid.bare
    a, b = alice.mark(), bob.mark()
    alice.send_presence(pto=bob_jid, ptype="subscribe")
    await pushed(alice, bob_jid, a, "none")
    await bob.received(is_presence(alice_jid, "subscribe"), since=b, timeout=15)

    a, b = alice.mark(), bob.mark()
    bob.send_presence(pto=alice_jid, ptype="subscribed")
    await pushed(bob, alice_jid, b, "from")
    await alice.received(is_presence(bob_jid, "subscribed"), since=a, timeout=15)
    await pushed(alice, bob_jid, a, "to")
    # With the subscription comes bob's presence, from his full JID.
    await alice.received(is_presence(str(bob.boundjid), "available"), since=a, timeout=15)

    a, b = alice.mark(), bob.mark()
    bob.send_presence(pto=alice_jid, ptype="subscribe")
    await alice.received(is_presence(bob_jid, "subscribe"), since=a, timeout=15)
    alice.send_presence(pto=bob_jid, ptype="subscribed")
    await pushed(alice, bob_jid, a, "both")
    await bob.received(is_presence(alice_jid, "subscribed"), since=b, timeout=15)
    await pushed(bob, alice_jid, b, "both")
    await bob.received(is_presence(str(alice.boundjid), "available"), since=b, timeout=15)

    assert subscription((await roster_of(alice))[bob_jid]) == ("both", None)
    assert subscription((await roster_of(bob))[alice_jid]) == ("both", None)
