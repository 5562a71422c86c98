"""Client-side helpers: slixmpp clients that record every stanza they get, a
raw socket client for bad input, and small waiting helpers. slixmpp is the
client under test's peer: what it accepts is what real clients accept."""

import asyncio
import base64
import socket
import ssl
import time
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream import ET as SET

TIMEOUT = 10


def run(coro, timeout=60):
    """Runs an async test body with an overall deadline."""
    async def guarded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(guarded())


def tls_context(suite):
    """Verifies the suite's self-signed certificate and host name."""
    ctx = ssl.create_default_context(cafile=suite.cert)
    return ctx


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that keeps every incoming stanza in `inbox`."""

    def __init__(self, suite, jid, password, direct_tls=False, priority=None, mechanism=None,
                 channel_binding=True, tls_max=None, register=False, initial_presence=True):
        super().__init__(jid, password, sasl_mech=mechanism)
        self.suite = suite
        self.direct_tls = direct_tls
        self.priority = priority
        self.initial_presence = initial_presence
        self.inbox = asyncio.Queue()
        self.seen = []
        self.online = asyncio.Event()
        self.failed = asyncio.Event()
        self.stream_errors = []
        self.ssl_context = tls_context(suite)
        if tls_max:
            self.ssl_context.maximum_version = tls_max
        if not channel_binding:
            self.channel_binding_off()
        if register:
            self.register_plugin("xep_0077")
            self["xep_0077"].force_registration = True
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.add_filter("in", self._record)
        self.add_event_handler("session_start", self._started)
        self.add_event_handler("failed_all_auth", lambda e: self.failed.set())
        self.add_event_handler("disconnected", lambda e: self.failed.set())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e))
        self.add_event_handler("register", self._register)

    def channel_binding_off(self):
        """Make slixmpp behave as a client without channel-binding support
        (GS2 flag 'n', no -PLUS mechanism)."""
        mech = self["feature_mechanisms"]
        default = mech._default_credentials

        def without_cb(required, optional):
            creds = default(required, optional)
            if "channel_binding" in creds:
                creds["channel_binding"] = None
            return creds

        mech.sasl_callback = without_cb

    def _record(self, stanza):
        self.seen.append(stanza)
        self.inbox.put_nowait(stanza)
        return stanza

    async def _register(self, iq):
        resp = self.Iq()
        resp["type"] = "set"
        resp["register"]["username"] = self.boundjid.user
        resp["register"]["password"] = self.password
        await resp.send()

    async def _started(self, event):
        if self.initial_presence:
            if self.priority is not None:
                self.send_presence(ppriority=self.priority)
            else:
                self.send_presence()
            await self.get_roster()
        self.online.set()

    def start(self):
        port = self.suite.c2s_tls_port if self.direct_tls else self.suite.c2s_port
        self.connect(("127.0.0.1", port), use_ssl=self.direct_tls,
                     force_starttls=not self.direct_tls, disable_starttls=self.direct_tls)

    async def login(self, timeout=TIMEOUT):
        self.start()
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(self.online.wait()), asyncio.ensure_future(self.failed.wait())],
            timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not self.online.is_set():
            raise AssertionError("%s could not log in" % self.boundjid)
        return self

    async def expect(self, predicate, timeout=TIMEOUT, what="stanza"):
        """The next incoming stanza for which predicate(stanza) is true."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: no %s within %ss" % (self.boundjid, what, timeout))
            try:
                st = await asyncio.wait_for(self.inbox.get(), left)
            except asyncio.TimeoutError:
                continue
            if predicate(st):
                return st

    async def quiet(self, predicate, seconds=1.0):
        """Asserts no stanza matching predicate arrives for `seconds`."""
        try:
            st = await self.expect(predicate, timeout=seconds)
        except AssertionError:
            return
        raise AssertionError("%s: unexpected %s" % (self.boundjid, st))

    async def close(self):
        self.disconnect()
        try:
            await asyncio.wait_for(self.disconnected, 5)
        except (asyncio.TimeoutError, TypeError):
            pass


async def login(suite, jid, password, **kw):
    return await Client(suite, jid, password, **kw).login()


class Raw:
    """A plain socket speaking XMPP by hand, for input no real client sends."""

    def __init__(self, suite, direct_tls=False, port=None):
        self.suite = suite
        self.sock = socket.create_connection(("127.0.0.1", port or (
            suite.c2s_tls_port if direct_tls else suite.c2s_port)), timeout=TIMEOUT)
        if direct_tls:
            self.sock = tls_context(suite).wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_until(self, needle, timeout=TIMEOUT):
        """Reads until `needle` (bytes or str) is in what was received."""
        needle = needle.encode() if isinstance(needle, str) else needle
        deadline = time.monotonic() + timeout
        while needle not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r in %r" % (needle, self.buf[-2000:]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise AssertionError("closed before %r; got %r" % (needle, self.buf[-2000:]))
            self.buf += chunk
        return self.buf.decode(errors="replace")

    def closed(self, timeout=TIMEOUT):
        """True when the server closes the connection within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (ConnectionResetError, ssl.SSLError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False

    def open_stream(self, to="localhost"):
        self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>" % to)
        return self.read_until("</stream:features>")

    def starttls(self):
        self.open_stream()
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.read_until("<proceed")
        self.sock = tls_context(self.suite).wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def login_plain(self, user, password, resource="raw"):
        """STARTTLS, SASL PLAIN, bind: an authenticated stream to misbehave on."""
        self.starttls()
        self.open_stream()
        token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
        self.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>"
                  % token)
        self.read_until("<success")
        self.buf = b""
        self.open_stream()
        self.send("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  "<resource>%s</resource></bind></iq>" % resource)
        self.read_until("</iq>")
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def stream_error(text):
    """The condition of the stream error in `text`, or None."""
    start = text.find("<stream:error>")
    if start < 0:
        return None
    rest = text[start + len("<stream:error>"):]
    tag = rest.lstrip().split()[0].lstrip("<").rstrip("/>")
    return tag.split("/")[0]


def xml_of(stanza):
    return str(stanza)
