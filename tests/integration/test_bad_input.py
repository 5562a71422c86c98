"""Broken and hostile client input, through the real c2s: every case gets
the exact RFC 6120 §4.9 stream error (or the stanza error the RFC asks
for), and after each one the server still serves everyone else - two
well-behaved clients log in and exchange a message in the same suite."""

import asyncio
import base64
import os
import re
import socket
import time

import pytest

from conftest import set_limits
from xmpp import Raw, login, run, stream_error

STREAM_NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
SASL_NS = "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'"


def header(to="localhost", version="1.0", namespaces=STREAM_NS, declaration=True):
    return ("%s<stream:stream %s to='%s'%s>"
            % ("<?xml version='1.0'?>" if declaration else "", namespaces, to,
               " version='%s'" % version if version else ""))


def open_with(suite, text):
    """A connection that has sent `text` (a stream header, usually)."""
    raw = Raw(suite)
    raw.send(text)
    return raw


def add_users(suite):
    suite.add_user("alice", "alice-pw")
    suite.add_user("bob", "bob-pw")
    suite.add_user("mallory", "mallory-pw")
    return suite


@pytest.fixture
def server(suite):
    return add_users(suite)


def make_server(suites, **limits):
    """A suite whose c2s has these <limits/> attributes (max_stanza_bytes=...)."""
    return add_users(suites.make(edit=set_limits("c2s", **limits)))


def assert_still_serves(suite):
    """The proof that an attack hurt no one else: c2s is up, two fresh
    clients log in, and a message from one reaches the other."""
    assert suite.running("c2s-1"), "c2s died:\n" + suite.tail("c2s-1")

    async def body():
        alice = await login(suite, "alice@localhost/after", "alice-pw")
        bob = await login(suite, "bob@localhost/after", "bob-pw")
        alice.send_message(mto="bob@localhost/after", mbody="still here", mtype="chat")
        msg = await bob.expect(lambda st: st.name == "message" and st["body"] == "still here",
                               what="the message sent after the attack")
        assert msg["from"] == "alice@localhost/after"
        await alice.close()
        await bob.close()
    run(body())


def authenticated(suite, user="mallory", password="mallory-pw", resource="raw"):
    """A stream of `user` past STARTTLS, SASL and bind, to misbehave on."""
    raw = Raw(suite)
    raw.login_plain(user, password, resource)
    return raw


def attack(suite, send, expected, stream=None):
    """Sends `send` on a fresh authenticated stream (or `stream`), asserts
    the stream error `expected` and the close, then that others are served."""
    raw = stream or authenticated(suite)
    raw.send(send)
    got = raw.error_and_close()
    raw.close()
    assert got == expected, "%r: got %s, expected %s" % (send[:80], got, expected)
    assert_still_serves(suite)


def process_usage(pid):
    """(resident bytes, CPU seconds) of a process, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- XML that is not XML, or not the XML XMPP allows (RFC 6120 §11) --------

def test_not_well_formed(server):
    attack(server, "<message to='bob@localhost'><body>x</message>", "not-well-formed")
    # Before authentication as well.
    raw = Raw(server)
    raw.open_stream()
    attack(server, "<message><body>x</message>", "not-well-formed", stream=raw)


# Ten levels of ten: &lol9; would expand to 10^9 "lol"s.
BILLION_LAUGHS = (
    "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY lol0 'lol'>"
    + "".join("<!ENTITY lol%d '%s'>" % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10))
    + "]>")


def test_billion_laughs_is_restricted_xml_and_costs_nothing(server):
    pid = server.procs["c2s-1"].pid
    rss_before, cpu_before = process_usage(pid)
    started = time.monotonic()
    raw = Raw(server)
    raw.send(BILLION_LAUGHS + header(declaration=False) + "<message>&lol9;</message>")
    assert raw.error_and_close() == "restricted-xml"
    elapsed = time.monotonic() - started
    raw.close()
    rss_after, cpu_after = process_usage(pid)
    # The DTD is refused as soon as it starts: nothing is expanded.
    assert elapsed < 2, "took %.1fs to refuse" % elapsed
    assert rss_after - rss_before < 16 << 20, "c2s grew by %d bytes" % (rss_after - rss_before)
    assert cpu_after - cpu_before < 1, "c2s spent %.2fs of CPU" % (cpu_after - cpu_before)
    assert "document type declaration" in server.log_text("c2s-1")
    assert_still_serves(server)


def test_restricted_xml(server):
    # RFC 6120 §11.1: comments, processing instructions, DTDs and entity
    # references other than the five predefined ones are restricted-xml.
    for restricted in ("<!-- a comment -->",
                       "<?jabberd-ng please?>",
                       "<message to='bob@localhost'><!-- inside --><body>x</body></message>",
                       "<message to='bob@localhost'><body>&undeclared;</body></message>"):
        attack(server, restricted, "restricted-xml")
    raw = Raw(server)
    raw.open_stream()
    attack(server, "<!-- before authentication -->", "restricted-xml", stream=raw)


def test_doctype_inside_a_stream_is_not_well_formed(server):
    # Inside the stream element a DOCTYPE is no declaration at all, just
    # broken XML.
    attack(server, "<!DOCTYPE message [<!ENTITY x 'y'>]><message/>", "not-well-formed")


def test_second_xml_declaration_is_not_well_formed(server):
    raw = Raw(server)
    raw.open_stream()
    attack(server, header(), "not-well-formed", stream=raw)


def test_predefined_entities_are_fine(server):
    async def body():
        bob = await login(server, "bob@localhost/b", "bob-pw")
        raw = authenticated(server)
        raw.send("<message to='bob@localhost/b' type='chat'><body>&lt;&amp;&gt;&apos;&quot;"
                 "&#x263A;</body></message>")
        msg = await bob.expect(lambda st: st.name == "message" and st["body"].startswith("<"))
        assert msg["body"] == "<&>'\"\u263a"
        raw.close()
        await bob.close()
    run(body())


def test_not_utf8_is_unsupported_encoding(server):
    # RFC 6120 §11.6: UTF-8 only; §4.9.3.22 names the error.
    attack(server, "<message to='bob@localhost'><body>caf\xe9</body></message>".encode("latin-1"),
           "unsupported-encoding")
    # UTF-16, which an XML parser would happily detect and read.
    for encoding in ("utf-16", "utf-16-be"):
        attack(server, "", "unsupported-encoding", stream=open_with(server, header().encode(encoding)))


# ---- size limits ---------------------------------------------------------

def test_stanza_over_the_limit_is_a_policy_violation(suites):
    server = make_server(suites, max_stanza_bytes=8192)

    async def just_under():
        bob = await login(server, "bob@localhost/b", "bob-pw")
        raw = authenticated(server)
        raw.send("<message to='bob@localhost/b'><body>%s</body></message>" % ("x" * 7000))
        msg = await bob.expect(lambda st: st.name == "message" and st["body"].startswith("x"))
        assert len(msg["body"]) == 7000
        await bob.close()
        return raw
    raw = run(just_under())
    attack(server, "<message to='bob@localhost'><body>%s</body></message>" % ("y" * 9000),
           "policy-violation", stream=raw)
    assert "stanza too large" in server.log_text("c2s-1")

    # However the bytes are split across reads: 16 pieces of 512 bytes take
    # this stanza just past 8192.
    raw = authenticated(server)
    raw.send("<message to='alice@localhost'><body>")
    for _ in range(16):
        raw.send("z" * 512)
        time.sleep(0.01)
    attack(server, "", "policy-violation", stream=raw)

    # An endless stream header is held to the same limit.
    raw = Raw(server)
    raw.send(header()[:-1] + " x='" + "b" * 10000)
    attack(server, "", "policy-violation", stream=raw)


def test_endless_start_tag_is_a_policy_violation(server):
    # No '>' ever comes. A little over the default limit (256 KiB) and then
    # silence: the error must come from the limit, not from the end of the
    # connection. The last piece takes the stanza past the limit, so nothing
    # is still being sent when c2s closes the stream.
    raw = authenticated(server)
    raw.send("<message to='bob@localhost' junk='")
    for _ in range(16):
        raw.send("a" * 16384)
    attack(server, "", "policy-violation", stream=raw)
    assert "stanza too large" in server.log_text("c2s-1")


# ---- the order of things (RFC 6120 §6.4.1, §7.1, §8.1) ---------------------

def test_stanzas_before_authentication_are_not_authorized(server):
    message = "<message to='bob@localhost'><body>let me in</body></message>"
    raw = Raw(server)
    raw.open_stream()
    attack(server, message, "not-authorized", stream=raw)

    raw = Raw(server)
    raw.starttls()
    raw.open_stream()
    attack(server, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>",
           "not-authorized", stream=raw)

    # Authenticated, but no resource bound yet.
    raw = Raw(server)
    raw.starttls()
    raw.open_stream()
    token = base64.b64encode(b"\0mallory\0mallory-pw").decode()
    raw.send("<auth %s mechanism='PLAIN'>%s</auth>" % (SASL_NS, token))
    raw.read_until("<success")
    raw.buf = b""
    raw.open_stream()
    attack(server, message, "not-authorized", stream=raw)


def test_spoofed_from_is_invalid_from(server):
    async def body():
        bob = await login(server, "bob@localhost/victim", "bob-pw")
        raw = authenticated(server)
        raw.send("<message from='alice@localhost/after' to='bob@localhost/victim' type='chat'>"
                 "<body>it is me, alice</body></message>")
        assert raw.error_and_close() == "invalid-from"
        raw.close()
        # The forged stanza goes nowhere.
        await bob.quiet(lambda st: st.name == "message" and st["body"] == "it is me, alice",
                        seconds=0.5)
        await bob.close()
    run(body())
    assert_still_serves(server)


def test_own_bare_jid_as_from_is_accepted(server):
    # RFC 6120 §8.1.2.1: the account's bare JID is no forgery; the server
    # stamps the full JID.
    async def body():
        bob = await login(server, "bob@localhost/b", "bob-pw")
        raw = authenticated(server)
        raw.send("<message from='mallory@localhost' to='bob@localhost/b' type='chat'>"
                 "<body>bare from</body></message>")
        msg = await bob.expect(lambda st: st.name == "message" and st["body"] == "bare from")
        assert msg["from"] == "mallory@localhost/raw"
        raw.close()
        await bob.close()
    run(body())


MALFORMED_JIDS = ("@localhost", "bob@", "a@b@localhost", "bob@localhost/" + "r" * 1100,
                  "bob@-bad-.localhost:5222", "bob@local host")


def test_malformed_to_is_jid_malformed_and_the_stream_stays(server):
    # RFC 6120 §8.3.3.8: a stanza error, not a stream error.
    async def body():
        bob = await login(server, "bob@localhost/b", "bob-pw")
        raw = authenticated(server)
        for n, bad in enumerate(MALFORMED_JIDS):
            raw.buf = b""
            raw.send("<message id='m%d' to='%s' type='chat'><body>where to?</body></message>"
                     % (n, bad))
            text = raw.read_until("</message>")
            assert re.search(r"""<message[^>]*type=['"]error['"]""", text), text
            assert "id='m%d'" % n in text and "<jid-malformed" in text, text
            assert stream_error(text) is None
        raw.buf = b""
        raw.send("<iq id='q1' type='get' to='@@'><ping xmlns='urn:xmpp:ping'/></iq>")
        text = raw.read_until("</iq>")
        assert "id='q1'" in text and "<jid-malformed" in text, text
        # The same stream still works.
        raw.send("<message to='bob@localhost/b' type='chat'><body>after the errors</body></message>")
        msg = await bob.expect(lambda st: st.name == "message" and st["body"] == "after the errors")
        assert msg["from"] == "mallory@localhost/raw"
        raw.close()
        await bob.close()
    run(body())
    assert_still_serves(server)


def test_malformed_iq_is_bad_request_and_the_stream_stays(server):
    # RFC 6120 §8.2.3: a type, an id, and exactly one payload in a request.
    raw = authenticated(server)
    ping = "<ping xmlns='urn:xmpp:ping'/>"
    for n, iq in enumerate(("<iq type='get' to='localhost'>%s</iq>" % ping,
                            "<iq type='get' id='i1' to='localhost'>%s%s</iq>" % (ping, ping),
                            "<iq type='set' id='i2' to='localhost'/>",
                            "<iq type='bogus' id='i3' to='localhost'>%s</iq>" % ping,
                            "<iq id='i4' to='localhost'>%s</iq>" % ping)):
        raw.buf = b""
        raw.send(iq)
        text = raw.read_until("</iq>")
        assert re.search(r"<iq[^>]*type='error'", text) and "<bad-request" in text, (iq, text)
        if n > 0:
            assert "id='i%d'" % n in text, text
    # A broken answer is not answered (no error ping-pong), and the stream
    # is still good.
    raw.buf = b""
    raw.send("<iq type='result' to='localhost'/>")
    raw.send("<iq type='get' id='good' to='localhost'>%s</iq>" % ping)
    text = raw.read_until("id='good'")
    assert "<iq" in text and text.count("<iq") == 1, text
    raw.close()
    assert_still_serves(server)


# ---- SASL (RFC 6120 §6.5) -------------------------------------------------

def sasl_failure(raw, element):
    """Sends one SASL element; returns the condition of the <failure/>.
    What came after it (the stream error that may follow the last failure
    allowed, in the same read) stays in raw.buf."""
    raw.buf = b""
    raw.send(element)
    text = raw.read_until("</failure>")
    failure, _, rest = text.partition("</failure>")
    assert stream_error(failure) is None, text
    raw.buf = rest.encode()
    return re.search(r"<failure[^>]*>\s*<([\w-]+)", failure).group(1)


def test_sasl_garbage_gets_failures_then_policy_violation(server):
    raw = Raw(server)
    raw.starttls()
    raw.open_stream()
    assert sasl_failure(raw, "<auth %s mechanism='PLAIN'>not*base64!</auth>" % SASL_NS) \
        == "malformed-request"
    bogus = base64.b64encode(b"this is not a SCRAM client-first-message").decode()
    assert sasl_failure(raw, "<auth %s mechanism='SCRAM-SHA-256'>%s</auth>" % (SASL_NS, bogus)) \
        == "malformed-request"
    assert sasl_failure(raw, "<auth %s mechanism='X-UNKNOWN'>AA==</auth>" % SASL_NS) \
        == "invalid-mechanism"
    # RFC 6120 §6.4.5 lets a server give up after some failures: ours after 3.
    assert raw.error_and_close() == "policy-violation"
    raw.close()
    assert "too many authentication failures" in server.log_text("c2s-1")
    assert_still_serves(server)


def test_stray_sasl_elements_fail_cleanly(server):
    raw = Raw(server)
    raw.starttls()
    raw.open_stream()
    assert sasl_failure(raw, "<response %s>AA==</response>" % SASL_NS) == "malformed-request"
    assert sasl_failure(raw, "<abort %s/>" % SASL_NS) == "aborted"
    # Still negotiating: a real exchange works.
    token = base64.b64encode(b"\0mallory\0mallory-pw").decode()
    raw.send("<auth %s mechanism='PLAIN'>%s</auth>" % (SASL_NS, token))
    raw.read_until("<success")
    raw.close()
    assert "illegal state change" not in server.log_text("c2s-1")
    assert_still_serves(server)


def test_wrong_password_and_unknown_user_look_the_same(server):
    raw = Raw(server)
    raw.starttls()
    raw.open_stream()
    wrong = base64.b64encode(b"\0alice\0wrong").decode()
    nobody = base64.b64encode(b"\0nobody\0wrong").decode()
    assert sasl_failure(raw, "<auth %s mechanism='PLAIN'>%s</auth>" % (SASL_NS, wrong)) \
        == "not-authorized"
    assert sasl_failure(raw, "<auth %s mechanism='PLAIN'>%s</auth>" % (SASL_NS, nobody)) \
        == "not-authorized"
    raw.close()
    assert_still_serves(server)


# ---- the stream header (RFC 6120 §4.7, §4.9.3) --------------------------------

def test_wrong_namespace_is_invalid_namespace(server):
    for namespaces in ("xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'",
                       "xmlns='jabber:client' xmlns:stream='http://example.com/not-streams'",
                       "xmlns='urn:example:nonsense' xmlns:stream='http://etherx.jabber.org/streams'"):
        attack(server, "", "invalid-namespace", stream=open_with(server, header(namespaces=namespaces)))


def test_unknown_host_is_host_unknown(server):
    for to in ("example.org", "", "not a domain"):
        raw = open_with(server, header(to=to))
        # The error comes inside a stream of ours, from a name we serve.
        assert raw.read_header().get("from") == "localhost"
        attack(server, "", "host-unknown", stream=raw)


def test_missing_or_old_version_is_unsupported_version(server):
    for version in (None, "0.9"):
        attack(server, "", "unsupported-version", stream=open_with(server, header(version=version)))


# ---- the transport ---------------------------------------------------------

def test_plaintext_on_the_direct_tls_port(server):
    sock = socket.create_connection(("127.0.0.1", server.c2s_tls_port), timeout=10)
    sock.sendall(header().encode())
    got = b""
    closed = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        got += chunk
    sock.close()
    assert closed, "c2s kept a connection that does not speak TLS"
    # Never an answer in the clear on a TLS port.
    assert b"<stream" not in got
    assert_still_serves(server)


def test_silent_clients_are_closed_after_the_auth_timeout(suites):
    server = make_server(suites, auth_timeout=5)

    async def body():
        # Logged in at the start: the timeout is for authentication only.
        bob = await login(server, "bob@localhost/b", "bob-pw")
        started = time.monotonic()
        silent = Raw(server)
        opened = Raw(server)
        opened.open_stream()
        loop = asyncio.get_running_loop()
        first = await loop.run_in_executor(None, silent.error_and_close, 10)
        second = await loop.run_in_executor(None, opened.error_and_close, 3)
        elapsed = time.monotonic() - started
        silent.close()
        opened.close()
        assert first == second == "connection-timeout"
        assert 4.5 <= elapsed < 8, "closed after %.1fs" % elapsed
        assert not bob.stream_errors
        bob.send_message(mto="bob@localhost/b", mbody="to myself")
        await bob.expect(lambda st: st.name == "message" and st["body"] == "to myself")
        await bob.close()
    run(body())
    assert_still_serves(server)


def test_a_flood_of_idle_streams_does_not_stop_service(server):
    held = []
    try:
        for _ in range(200):
            raw = Raw(server)
            raw.send(header())
            held.append(raw)
        for raw in held:
            raw.read_until("</stream:features>")
        assert_still_serves(server)
    finally:
        for raw in held:
            raw.close()
    assert server.running("c2s-1")
