"""Client-side helpers: slixmpp clients that record every stanza they get, a
raw socket client for bad input, and small waiting helpers. slixmpp is the
client under test's peer: what it accepts is what real clients accept."""

import asyncio
import base64
import hashlib
import re
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
                 channel_binding=True, tls_max=None, register=False, initial_presence=True,
                 c2s="c2s-1", auto_authorize=True):
        super().__init__(jid, password, sasl_mech=mechanism)
        self.suite = suite
        self.c2s = c2s  # which c2s to use (suites made with separate_c2s_ports)
        self.direct_tls = direct_tls
        self.priority = priority
        self.initial_presence = initial_presence
        self.inbox = asyncio.Queue()
        self.seen = []
        self.online = asyncio.Event()
        self.failed = asyncio.Event()
        self.stream_errors = []
        self.auth_failures = []        # <failure/> of every SASL attempt that failed
        self.gone = asyncio.Event()    # the connection closed, whoever closed it
        self.registration_form = None  # the server's answer to our XEP-0077 get
        self.registration = None       # the server's answer to our XEP-0077 set
        self._arrived = asyncio.Event()
        self.ssl_context = tls_context(suite)
        if tls_max:
            self.ssl_context.maximum_version = tls_max
        if not channel_binding:
            self.channel_binding_off()
        # slixmpp answers subscription requests by itself (auto_authorize=True);
        # None leaves them to the test, as a user would.
        self.auto_authorize = auto_authorize
        if auto_authorize is None:
            self.auto_subscribe = False
        if register:
            self.register_plugin("xep_0077")
            self["xep_0077"].force_registration = True
            # slixmpp 1.8 holds back every iq until a session is bound, the
            # XEP-0077 ones too (they come before authentication).
            self._always_send_everything = True
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.add_filter("in", self._record)
        self.add_event_handler("session_start", self._started)
        self.add_event_handler("failed_all_auth", lambda e: self.failed.set())
        self.add_event_handler("disconnected", lambda e: self.failed.set())
        self.add_event_handler("disconnected", lambda e: self.gone.set())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e))
        self.add_event_handler("failed_auth", lambda f: self.auth_failures.append(f))
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
        self._arrived.set()
        return stanza

    async def _register(self, iq):
        self.registration_form = iq
        resp = self.Iq()
        resp["type"] = "set"
        resp["register"]["username"] = self.boundjid.user
        resp["register"]["password"] = self.password
        self.registration = await self.query(resp)
        if self.registration["type"] != "result":
            # No account, nothing to log in to.
            self.failed.set()
            self.disconnect()

    async def _started(self, event):
        if self.initial_presence:
            if self.priority is not None:
                self.send_presence(ppriority=self.priority)
            else:
                self.send_presence()
            await self.get_roster()
        self.online.set()

    def start(self):
        plain, tls = self.suite.c2s_ports(self.c2s)
        port = tls if self.direct_tls else plain
        self.connect((self.suite.address, port), use_ssl=self.direct_tls,
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

    @property
    def mechanism(self):
        """The SASL mechanism slixmpp authenticated (or last tried) with."""
        mech = self["feature_mechanisms"].mech
        return mech.name if mech else None

    async def query(self, iq, timeout=TIMEOUT):
        """Sends an iq request and returns the answer, result or error."""
        try:
            return await iq.send(timeout=timeout)
        except slixmpp.exceptions.IqError as e:
            return e.iq

    def mark(self):
        """A position in `seen`: received(..., since=mark) looks only at
        what arrived after it."""
        return len(self.seen)

    async def received(self, predicate, since=0, timeout=TIMEOUT, what="stanza"):
        """The first stanza in `seen` from position `since` on for which
        predicate(stanza) is true, waiting for it if it has not arrived yet.
        Unlike expect(), nothing is consumed: the order in which several
        awaited stanzas arrive does not matter."""
        deadline = time.monotonic() + timeout
        index = since
        while True:
            while index < len(self.seen):
                st = self.seen[index]
                index += 1
                if predicate(st):
                    return st
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s: no %s within %ss; got:\n%s" % (
                    self.boundjid, what, timeout,
                    "\n".join(str(s) for s in self.seen[since:]) or "(nothing)"))
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def none_received(self, predicate, since=0, seconds=0.5, what="stanza"):
        """Asserts that nothing matching predicate arrives (from `since` on)
        within `seconds`."""
        try:
            st = await self.received(predicate, since=since, timeout=seconds)
        except AssertionError:
            return
        raise AssertionError("%s: unexpected %s: %s" % (self.boundjid, what, st))

    def drop(self):
        """Cuts the TCP connection without closing the stream, as a client
        that loses its network does."""
        if self.transport is not None:
            self.transport.abort()

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

    def __init__(self, suite, direct_tls=False, port=None, c2s="c2s-1"):
        self.suite = suite
        plain, tls = suite.c2s_ports(c2s)
        self.sock = socket.create_connection((suite.address, port or (tls if direct_tls else plain)),
                                             timeout=TIMEOUT)
        if direct_tls:
            self.sock = tls_context(suite).wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_until(self, needle, timeout=TIMEOUT):
        """Reads until `needle` (bytes, str, or a compiled bytes pattern) is
        in what was received."""
        if isinstance(needle, re.Pattern):
            def found():
                return needle.search(self.buf) is not None
        else:
            needle = needle.encode() if isinstance(needle, str) else needle

            def found():
                return needle in self.buf
        deadline = time.monotonic() + timeout
        while not found():
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

    def read_header(self, timeout=TIMEOUT):
        """Reads the server's stream header; returns its attributes."""
        header = re.compile(rb"<stream:stream\s[^>]*>")
        self.read_until(header, timeout)
        return dict(re.findall(r"""([\w:]+)=['"]([^'"]*)['"]""",
                               header.search(self.buf).group(0).decode()))

    def error_and_close(self, timeout=TIMEOUT):
        """Waits for the server to close the connection; returns the
        condition of the stream error it sent before (None if none)."""
        if not self.closed(timeout):
            raise AssertionError("connection still open after %ss; got %r"
                                 % (timeout, self.buf[-2000:]))
        text = self.buf.decode(errors="replace")
        condition = stream_error(text)
        if condition is not None:
            # RFC 6120 §4.9.2: the condition is qualified by the streams namespace.
            assert re.search(r"<stream:error>\s*<%s xmlns=['\"]urn:ietf:params:xml:ns:xmpp-streams"
                             % re.escape(condition), text), text
        return condition

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Component(slixmpp.ComponentXMPP):
    """A third-party XEP-0114 component (slixmpp's own) that keeps every
    incoming stanza in `inbox`, as Client does."""

    def __init__(self, suite, name, secret):
        super().__init__(name, secret)
        self.suite = suite
        self.inbox = asyncio.Queue()
        self.seen = []
        self._arrived = asyncio.Event()
        self.online = asyncio.Event()
        self.failed = asyncio.Event()
        self.stream_errors = []
        self.register_plugin("xep_0030")
        self.add_filter("in", self._record)
        self.add_event_handler("session_start", lambda e: self.online.set())
        self.add_event_handler("disconnected", lambda e: self.failed.set())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e))
        self.add_event_handler("failed_auth", lambda f: self.auth_failures.append(f))

    def _record(self, stanza):
        self.seen.append(stanza)
        self.inbox.put_nowait(stanza)
        self._arrived.set()
        return stanza

    async def attach(self, timeout=TIMEOUT):
        """Connects to the router: True once the handshake succeeded, False
        when the router refused it."""
        self.connect(self.suite.address, self.suite.router_port)
        await asyncio.wait(
            [asyncio.ensure_future(self.online.wait()), asyncio.ensure_future(self.failed.wait())],
            timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not self.online.is_set() and not self.failed.is_set():
            raise AssertionError("%s: no answer to the handshake within %ss"
                                 % (self.boundjid, timeout))
        return self.online.is_set()

    expect = Client.expect
    quiet = Client.quiet
    mark = Client.mark
    received = Client.received
    none_received = Client.none_received
    close = Client.close


class RawComponent(Raw):
    """A component speaking XEP-0114 by hand, for what no real component
    library sends (forged addresses)."""

    def __init__(self, suite):
        self.suite = suite
        self.sock = socket.create_connection((suite.address, suite.router_port), timeout=TIMEOUT)
        self.buf = b""

    def handshake(self, name, secret, declare=""):
        """XEP-0114: a stream to `name`, then hex(SHA-1(stream id + secret)).
        Returns what the router answered (a <handshake/> or a stream error).
        `declare`: more namespace declarations for the stream header."""
        self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
                  "xmlns:stream='http://etherx.jabber.org/streams' %s to='%s'>" % (declare, name))
        stream_id = self.read_header()["id"]
        self.buf = b""
        self.send("<handshake>%s</handshake>" % hashlib.sha1((stream_id + secret).encode()).hexdigest())
        return self.read_until(re.compile(rb"<handshake\s*/>|</stream:error>"))


class RawServer(Raw):
    """A remote server speaking RFC 6120 server-to-server by hand, connected
    to the s2s of `suite` from `source` (a loopback address of its own):
    what a hostile or broken peer sends."""

    NS_DIALBACK = "jabber:server:dialback"

    def __init__(self, suite, source="127.0.0.1", direct_tls=False, cert=None):
        self.suite = suite
        self.cert = cert  # PEM with key: offered as TLS client certificate
        port = suite.s2s_tls_port if direct_tls else suite.s2s_port
        self.sock = socket.create_connection((suite.address, port), timeout=TIMEOUT,
                                             source_address=(source, 0))
        self.buf = b""
        if direct_tls:
            self._wrap()

    def _wrap(self, server_name=None):
        ctx = ssl.create_default_context(cafile=self.suite.cert)
        if self.cert:
            ctx.load_cert_chain(self.cert)
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_name or self.suite.domains[0])
        self.buf = b""

    def open_stream(self, frm, to=None):
        """Sends a stream header from domain `frm`; returns the receiving
        server's stream header attributes and features (as text)."""
        self.buf = b""
        self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                  "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='%s' "
                  "from='%s' to='%s' version='1.0'>"
                  % (self.NS_DIALBACK, frm, to or self.suite.domains[0]))
        header = self.read_header()
        features = self.read_until("</stream:features>")
        return header, features[features.index("<stream:features"):]

    def starttls(self, frm, to=None):
        """A stream, STARTTLS, and the stream again over TLS: returns the
        header and features of the stream over TLS."""
        self.open_stream(frm, to)
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.read_until("<proceed")
        self._wrap(to)
        return self.open_stream(frm, to)

    def external(self, frm, to=None):
        """STARTTLS with our certificate, SASL EXTERNAL (XEP-0178) and the
        restarted stream: an authenticated stream for domain `frm`."""
        _, features = self.starttls(frm, to)
        assert "<mechanism>EXTERNAL</mechanism>" in features, features
        self.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>%s</auth>"
                  % base64.b64encode(frm.encode()).decode())
        self.read_until("<success")
        return self.open_stream(frm, to)


# ---- predicates on received stanzas ------------------------------------------

NS_ROSTER = "jabber:iq:roster"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def roster_items(stanza):
    """The <item/>s of the roster query in an iq, as dicts of their
    attributes plus 'groups' (a list), in document order."""
    query = stanza.xml.find("{%s}query" % NS_ROSTER)
    if query is None:
        return []
    return [dict(item.attrib, groups=[g.text or "" for g in item.findall("{%s}group" % NS_ROSTER)])
            for item in query.findall("{%s}item" % NS_ROSTER)]


def is_roster_push(jid=None):
    """A roster push (RFC 6121 §2.1.6), optionally about contact `jid`."""
    def match(st):
        if st.name != "iq" or st["type"] != "set":
            return False
        items = roster_items(st)
        return len(items) == 1 and (jid is None or items[0].get("jid") == jid)
    return match


def is_presence(frm=None, type=None):
    """A presence from `frm` (exact JID string) of `type` ('available' for
    none)."""
    def match(st):
        if st.name != "presence":
            return False
        if frm is not None and str(st["from"]) != frm:
            return False
        actual = st.xml.get("type") or "available"
        return type is None or actual == type
    return match


def is_message(frm=None, body=None, type=None):
    def match(st):
        if st.name != "message":
            return False
        if frm is not None and str(st["from"]) != frm:
            return False
        if body is not None and st["body"] != body:
            return False
        return type is None or (st.xml.get("type") or "normal") == type
    return match


def error_condition(stanza):
    """The RFC 6120 §8.3 defined condition of an error stanza, or None."""
    error = stanza.xml.find("{%s}error" % stanza.namespace)
    if error is None:
        return None
    for child in error:
        if child.tag.startswith("{%s}" % NS_STANZAS) and not child.tag.endswith("}text"):
            return child.tag.split("}", 1)[1]
    return None


def db_rows(suite, sql, params=(), write=False):
    """The rows of `sql` (parameters written `?`) on the suite's database,
    whichever driver it uses: SQLite, or PostgreSQL in the suite's schema
    (python3-psycopg2). Read-only unless `write` (then committed)."""
    if suite.storage == "pgsql":
        import psycopg2
        db = psycopg2.connect(suite.pgsql_conninfo)
        try:
            with db.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                rows = cur.fetchall() if cur.description else []
            if write:
                db.commit()
            return rows
        finally:
            db.close()
    import sqlite3
    if write:
        db = sqlite3.connect(suite.database, timeout=10)
    else:
        db = sqlite3.connect("file:%s?mode=ro" % suite.database, uri=True)
    try:
        with db:
            return db.execute(sql, params).fetchall()
    finally:
        db.close()


def collection_owner_tables(suite):
    """The tables of the suite's database with a "collection-owner" column."""
    if suite.storage == "pgsql":
        rows = db_rows(suite, "SELECT table_name FROM information_schema.columns"
                              " WHERE table_schema = current_schema()"
                              " AND column_name = 'collection-owner'")
    else:
        rows = db_rows(suite, "SELECT m.name FROM sqlite_master AS m"
                              " JOIN pragma_table_info(m.name) AS c"
                              " WHERE m.type = 'table' AND c.name = 'collection-owner'")
    return sorted(r[0] for r in rows)


def stored_rows(suite, table, owner):
    """How many rows of `table` (a jabberd2 collection: "queue",
    "roster-items", ...) the suite's database holds for `owner`."""
    return db_rows(suite, 'SELECT COUNT(*) FROM "%s" WHERE "collection-owner" = ?' % table,
                   (owner,))[0][0]


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
