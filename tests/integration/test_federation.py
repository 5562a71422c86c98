"""Federation between complete jabberd-ng installations, each on a loopback
address of its own as if on separate hosts: a.test on 127.0.0.2 and b.test
on 127.0.0.3, each resolver told where the other lives by a static
override. Users on both sides subscribe to each other and talk; an offline
user gets the message later. Then the same servers against hostile or
broken peers - a raw socket acting as a remote server - and against
domains that cannot be reached."""

import asyncio
import datetime
import re
import time

import pytest

from dns_server import Unbound
from federation import (A_ADDRESS, HOSTILE, FakeReceivingServer, TestCA, online, pair, s2s_log,
                        s2s_settings, subscribe_both_ways)
from jng_instance import make_certificate
from xmpp import RawServer, error_condition, is_message, login, run, stored_rows

ALICE, ANN, BOB, CAROL = "alice@a.test", "ann@a2.test", "bob@b.test", "carol@b.test"
NS_DELAY = "urn:xmpp:delay"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

# The smallest timeouts s2s.xml allows (s2s/s2s_config.cpp).
AUTH_TIMEOUT, IDLE_TIMEOUT, KEEPALIVE = 5, 10, 5


def users(a, b):
    a.add_user("alice", "pw")
    b.add_user("bob", "pw")
    b.add_user("carol", "pw")


async def until(predicate, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "no %s within %ss" % (what, timeout)
        await asyncio.sleep(0.05)


def connections(inst, remote, since=0):
    """How many outbound connections s2s of `inst` opened to `remote`."""
    return s2s_log(inst, since).count("s2s to %s: connecting to" % remote)


# ---- two installations -------------------------------------------------------------------


def test_subscription_and_messages_between_installations(suites):
    a, b = pair(suites)
    users(a, b)

    async def body():
        alice = await online(a, ALICE + "/phone")
        bob = await online(b, BOB + "/desk")
        await subscribe_both_ways(alice, bob)

        # Messages both ways, to full and to bare JIDs.
        b_mark = bob.mark()
        alice.send_message(mto=BOB + "/desk", mbody="hello from a.test", mtype="chat")
        got = await bob.received(is_message(frm=ALICE + "/phone", body="hello from a.test"),
                                 since=b_mark)
        assert got["to"] == BOB + "/desk"
        a_mark = alice.mark()
        bob.send_message(mto=ALICE, mbody="hello from b.test", mtype="chat")
        got = await alice.received(is_message(frm=BOB + "/desk", body="hello from b.test"),
                                   since=a_mark)
        assert got["type"] == "chat"

        # A presence change reaches the contact on the other server.
        a_mark = alice.mark()
        bob.send_presence(pshow="away", pstatus="at lunch")
        away = await alice.received(lambda st: st.name == "presence" and
                                    str(st["from"]) == BOB + "/desk" and st["show"] == "away",
                                    since=a_mark)
        assert away["status"] == "at lunch"
        await alice.close()
        await bob.close()

    run(body())
    # Both servers authenticated the other by dialback (self-signed
    # certificates: nothing else to go by), over TLS.
    assert "b.test authenticated by dialback" in s2s_log(a)
    assert "a.test authenticated by dialback" in s2s_log(b)


def test_offline_user_gets_the_message_later_with_delay(suites):
    a, b = pair(suites)
    users(a, b)

    async def body():
        alice = await online(a, ALICE + "/phone")
        sent_at = datetime.datetime.now(datetime.timezone.utc)
        alice.send_message(mto=CAROL, mbody="while you were out", mtype="chat")
        # It crosses and waits in carol's offline queue at b.test.
        await until(lambda: stored_rows(b, "queue", CAROL) == 1, what="the stored message")

        carol = await login(b, CAROL + "/laptop", "pw")
        got = await carol.received(is_message(frm=ALICE + "/phone", body="while you were out"))
        delay = got.xml.find("{%s}delay" % NS_DELAY)
        assert delay is not None, got
        assert delay.get("from") == "b.test"
        stamp = datetime.datetime.fromisoformat(delay.get("stamp").replace("Z", "+00:00"))
        assert abs((stamp - sent_at).total_seconds()) < 5
        assert not [st for st in alice.seen if st.name == "message"], "alice got a bounce"
        await carol.close()
        await alice.close()

    run(body())


def test_direct_tls_both_ways(suites):
    # XEP-0368: each resolver names the other's direct TLS port.
    a, b = pair(suites, tls="direct")
    users(a, b)

    async def body():
        alice = await online(a, ALICE + "/phone")
        bob = await online(b, BOB + "/desk")
        b_mark = bob.mark()
        alice.send_message(mto=BOB, mbody="over direct TLS", mtype="chat")
        await bob.received(is_message(frm=ALICE + "/phone", body="over direct TLS"), since=b_mark)
        a_mark = alice.mark()
        bob.send_message(mto=ALICE, mbody="and back", mtype="chat")
        await alice.received(is_message(frm=BOB + "/desk", body="and back"), since=a_mark)
        await alice.close()
        await bob.close()

    run(body())
    for inst, other in ((a, b), (b, a)):
        log = s2s_log(inst)
        assert re.search(r"s2s to %s: connecting to \S+ \(%s:%d, direct TLS\)"
                         % (other.domains[0], other.address, other.s2s_tls_port), log), log
        assert "(direct TLS)" in log.split("listening for servers")[-1]
        # Nothing came in on the STARTTLS port.
        assert re.search(r"inbound \d+ from \S+ \(direct TLS\)", log), log
        assert not re.search(r"inbound \d+ from \S+\n", log), log


def test_second_local_domain_rides_the_same_stream(suites):
    # XEP-0220 §2.5 (multiplexing sender domains): a.test and a2.test live
    # in one installation; b.test is reached over one stream for both.
    a, b = pair(suites, a_domains=("a.test", "a2.test"))
    users(a, b)
    a.add_user("ann", "pw", domain="a2.test")

    async def body():
        alice = await online(a, ALICE + "/phone")
        ann = await online(a, ANN + "/desk")
        bob = await online(b, BOB + "/desk")
        b_mark = bob.mark()
        alice.send_message(mto=BOB, mbody="from a.test", mtype="chat")
        await bob.received(is_message(frm=ALICE + "/phone", body="from a.test"), since=b_mark)
        ann.send_message(mto=BOB, mbody="from a2.test", mtype="chat")
        await bob.received(is_message(frm=ANN + "/desk", body="from a2.test"), since=b_mark)
        # Answers go back to both domains.
        a_mark, n_mark = alice.mark(), ann.mark()
        bob.send_message(mto=ALICE, mbody="to a.test", mtype="chat")
        bob.send_message(mto=ANN, mbody="to a2.test", mtype="chat")
        await alice.received(is_message(frm=BOB + "/desk", body="to a.test"), since=a_mark)
        await ann.received(is_message(frm=BOB + "/desk", body="to a2.test"), since=n_mark)
        for c in (alice, ann, bob):
            await c.close()

    run(body())
    a_log, b_log = s2s_log(a), s2s_log(b)
    # One stream from a's installation to b.test ...
    assert connections(a, "b.test") == 1, a_log
    assert "s2s to b.test: dialback for a.test accepted" in a_log
    assert "s2s to b.test: dialback for a2.test accepted" in a_log
    # ... on which b.test authenticated both domains.
    first = re.search(r"inbound (\d+) \(\S+\): a\.test authenticated by dialback", b_log)
    second = re.search(r"inbound (\d+) \(\S+\): a2\.test authenticated by dialback", b_log)
    assert first and second and first.group(1) == second.group(1), b_log


def test_idle_streams_close_and_reopen(suites):
    # Whitespace keepalives flow on quiet streams, but only stanzas count
    # as use: a stream that carries none for `idle` seconds is closed.
    timeouts = s2s_settings({"timeouts": {"idle": IDLE_TIMEOUT, "keepalive": KEEPALIVE}})
    a, b = pair(suites, a_edit=timeouts, b_edit=timeouts)
    users(a, b)

    async def body():
        alice = await online(a, ALICE + "/phone")
        bob = await online(b, BOB + "/desk")
        b_mark = bob.mark()
        alice.send_message(mto=BOB, mbody="before", mtype="chat")
        await bob.received(is_message(body="before"), since=b_mark)
        a_mark = alice.mark()
        bob.send_message(mto=ALICE, mbody="reply", mtype="chat")
        await alice.received(is_message(body="reply"), since=a_mark)
        last = time.monotonic()
        a_size, b_size = a.log_size("s2s"), b.log_size("s2s")

        # Both streams (a.test -> b.test and back) end, whoever closes
        # first; the keepalives of either side did not keep them open.
        for inst, since, remote in ((a, a_size, "b.test"), (b, b_size, "a.test")):
            await asyncio.to_thread(inst.wait_log, "s2s", "s2s to %s: connection to" % remote,
                                    IDLE_TIMEOUT + 10, since)
        closed = time.monotonic() - last
        assert closed >= IDLE_TIMEOUT - 1, closed
        both = s2s_log(a, a_size) + s2s_log(b, b_size)
        assert "no stanza for %d s" % IDLE_TIMEOUT in both, both
        assert "connection-timeout" not in both, both

        # The next stanza opens a new stream.
        b_mark = bob.mark()
        alice.send_message(mto=BOB, mbody="after", mtype="chat")
        await bob.received(is_message(body="after"), since=b_mark)
        await alice.close()
        await bob.close()

    run(body(), timeout=90)
    assert connections(a, "b.test") == 2


# ---- hostile and broken peers ------------------------------------------------------------


def test_dialback_key_that_does_not_verify(suites):
    a, b = pair(suites)
    users(a, b)
    peer = RawServer(a, source=HOSTILE)
    try:
        peer.starttls("b.test")
        # XEP-0220 §2.4: a request for a domain a.test's server does not
        # host is a dialback error, and the stream stays.
        peer.send("<db:result from='b.test' to='elsewhere.test'>00</db:result>")
        answer = peer.read_until("</db:result>")
        assert re.search(r"<db:result[^>]* type=['\"]error['\"]", answer), answer
        assert "<item-not-found xmlns='%s'/>" % NS_STANZAS in answer, answer
        # A key b.test never made: a.test asks b.test (its authoritative
        # server) and hears "invalid" (XEP-0220 §2.2.1).
        peer.buf = b""
        peer.send("<db:result from='b.test' to='a.test'>%s</db:result>" % ("ab" * 32))
        answer = peer.read_until(re.compile(rb"<db:result[^>]*/>"))
        assert re.search(r"<db:result[^>]*type=['\"]invalid['\"]", answer), answer
        assert re.search(r"<db:result[^>]*from=['\"]a\.test['\"]", answer), answer
        assert peer.error_and_close() == "not-authorized"
    finally:
        peer.close()
    a.wait_log("s2s", "dialback key for b.test did not verify")

    # The real b.test is not affected.
    async def body():
        alice = await online(a, ALICE + "/phone")
        bob = await online(b, BOB + "/desk")
        a_mark = alice.mark()
        bob.send_message(mto=ALICE, mbody="still friends", mtype="chat")
        await alice.received(is_message(frm=BOB + "/desk", body="still friends"), since=a_mark)
        await alice.close()
        await bob.close()

    run(body())


def trusting(suites, tmp_path, settings=None):
    """a.test alone, trusting a throw-away CA: a raw peer with a certificate
    from it authenticates as evil.test by SASL EXTERNAL (XEP-0178).
    Returns the suite and the peer's certificate."""
    ca = TestCA(str(tmp_path / "ca"))
    _, _, evil = ca.issue("evil.test")
    settings = dict(settings or {})
    settings["tls"] = dict(settings.get("tls", {}), **{"ca-file": ca.cert})
    a = suites.make(domains=("a.test",), address=A_ADDRESS, federation=True,
                    edit=s2s_settings(settings))
    a.add_user("alice", "pw")
    return a, evil


def test_stanza_from_a_domain_not_authenticated_on_the_stream(suites, tmp_path):
    a, evil = trusting(suites, tmp_path)

    async def body():
        alice = await online(a, ALICE + "/phone")
        peer = RawServer(a, source=HOSTILE, cert=evil)
        try:
            await asyncio.to_thread(peer.external, "evil.test")
            a.wait_log("s2s", "evil.test authenticated by certificate (SASL EXTERNAL)")
            # From the authenticated domain: delivered.
            mark = alice.mark()
            peer.send("<message from='eve@evil.test/x' to='%s' type='chat'>"
                      "<body>hello</body></message>" % ALICE)
            await alice.received(is_message(frm="eve@evil.test/x", body="hello"), since=mark)
            # From another domain (RFC 6120 §13.7.1.2): the stream ends.
            peer.send("<message from='mallory@b.test/x' to='%s' type='chat'>"
                      "<body>spoofed</body></message>" % ALICE)
            assert await asyncio.to_thread(peer.error_and_close) == "invalid-from"
            await alice.none_received(is_message(body="spoofed"), since=mark, seconds=0.5)
        finally:
            peer.close()
        await alice.close()

    run(body())


def test_stanza_to_a_domain_not_served_here(suites, tmp_path):
    a, evil = trusting(suites, tmp_path)
    peer = RawServer(a, source=HOSTILE, cert=evil)
    try:
        peer.external("evil.test")
        peer.send("<message from='eve@evil.test/x' to='someone@c.test' type='chat'>"
                  "<body>relay this</body></message>")
        assert peer.error_and_close() == "host-unknown"
    finally:
        peer.close()
    # Nothing was relayed: s2s of a.test opened no stream to c.test.
    assert connections(a, "c.test") == 0


def test_required_certificates_refuse_dialback_alone(suites, tmp_path):
    a, evil = trusting(suites, tmp_path, {"tls": {"require-valid-certificates": "true"}})
    # Without a certificate, a key alone does not do: a dialback error
    # (XEP-0220 §2.4), and the stream stays for a better try.
    peer = RawServer(a, source=HOSTILE)
    try:
        _, features = peer.starttls("b.test")
        assert "EXTERNAL" not in features
        peer.send("<db:result from='b.test' to='a.test'>%s</db:result>" % ("ef" * 32))
        answer = peer.read_until("</db:result>")
        assert re.search(r"<db:result[^>]*type=['\"]error['\"]", answer), answer
        assert "<not-authorized xmlns='%s'/>" % NS_STANZAS in answer, answer
        assert not peer.closed(timeout=0.3)
    finally:
        peer.close()
    assert connections(a, "b.test") == 0  # nobody was called back
    # A certificate that proves its domain is welcome.
    peer = RawServer(a, source=HOSTILE, cert=evil)
    try:
        peer.external("evil.test")
    finally:
        peer.close()


def test_peer_that_never_authenticates_is_closed(suites, tmp_path):
    a, _ = trusting(suites, tmp_path, {"timeouts": {"auth": AUTH_TIMEOUT}})
    peer = RawServer(a, source=HOSTILE)
    started = time.monotonic()
    try:
        # A stream, TLS, and then nothing.
        peer.starttls("slow.test")
        assert peer.error_and_close(timeout=AUTH_TIMEOUT + 10) == "connection-timeout"
        elapsed = time.monotonic() - started
        assert AUTH_TIMEOUT - 1 <= elapsed <= AUTH_TIMEOUT + 4, elapsed
    finally:
        peer.close()


def test_keepalives_then_idle_close_of_a_quiet_peer(suites, tmp_path):
    a, evil = trusting(suites, tmp_path, {"timeouts": {"idle": IDLE_TIMEOUT, "keepalive": KEEPALIVE}})
    peer = RawServer(a, source=HOSTILE, cert=evil)
    try:
        peer.external("evil.test")
        quiet_since = time.monotonic()
        peer.buf = b""
        # RFC 6120 §4.6.1: a single space after `keepalive` quiet seconds ...
        peer.read_until(b" ", timeout=KEEPALIVE + 5)
        assert time.monotonic() - quiet_since >= KEEPALIVE - 1
        assert peer.buf.strip() == b"", peer.buf
        # ... which does not make the stream busy: it is closed, without
        # an error, once no stanza went over it for `idle` seconds.
        assert peer.closed(timeout=IDLE_TIMEOUT + 5)
        assert time.monotonic() - quiet_since >= IDLE_TIMEOUT - 1
        assert peer.buf.strip() == b"</stream:stream>", peer.buf
    finally:
        peer.close()


def test_connection_flood_from_one_address(suites):
    limit = 3
    a, b = pair(suites, a_edit=s2s_settings({"limits": {"max-connections-per-ip": limit}}))
    users(a, b)
    flood = []
    try:
        for _ in range(limit):
            peer = RawServer(a, source=HOSTILE)
            peer.open_stream("flood.test")
            flood.append(peer)
        # One more from the same address: closed before a byte is sent.
        extra = RawServer(a, source=HOSTILE)
        flood.append(extra)
        assert extra.closed(timeout=5)
        assert extra.buf == b""
        a.wait_log("s2s", "refusing connection from %s" % HOSTILE)

        # Federation with b.test goes on: its server connects from
        # another address.
        async def body():
            alice = await online(a, ALICE + "/phone")
            bob = await online(b, BOB + "/desk")
            a_mark, b_mark = alice.mark(), bob.mark()
            bob.send_message(mto=ALICE, mbody="through the flood", mtype="chat")
            await alice.received(is_message(body="through the flood"), since=a_mark)
            alice.send_message(mto=BOB, mbody="and back", mtype="chat")
            await bob.received(is_message(body="and back"), since=b_mark)
            await alice.close()
            await bob.close()

        run(body())

        # A connection that ends frees its place.
        flood.pop(0).close()
        deadline = time.monotonic() + 5
        while True:
            again = RawServer(a, source=HOSTILE)
            flood.append(again)
            try:
                again.open_stream("flood.test")
                break
            except (AssertionError, OSError):
                assert time.monotonic() < deadline, "the freed place was not given back"
                time.sleep(0.1)
    finally:
        for peer in flood:
            peer.close()


def test_stanzas_for_a_dead_domain_bounce_to_their_senders(suites):
    # Port 7 of the suite's reserved block: nothing listens there.
    base = suites.reserve(A_ADDRESS)
    dead = {"dead.test": [(A_ADDRESS, base + 7, "starttls")]}
    a = suites.make(domains=("a.test",), address=A_ADDRESS, base_port=base, federation=True,
                    overrides=dead,
                    edit=s2s_settings({"queue": {"retries": 1, "retry-delay": 1}}))
    a.add_user("alice", "pw")

    async def body():
        alice = await online(a, ALICE + "/phone")
        started = time.monotonic()
        msg = alice.make_message(mto="nobody@dead.test", mbody="anyone there?", mtype="chat")
        msg.send()
        iq = alice.Iq()
        iq["type"] = "get"
        iq["to"] = "dead.test"
        iq.enable("disco_info")
        answer = asyncio.ensure_future(alice.query(iq, timeout=15))
        bounce = await alice.received(lambda st: st.name == "message" and
                                      st["type"] == "error", timeout=15, what="bounce")
        assert bounce["id"] == msg["id"]
        assert str(bounce["from"]) == "nobody@dead.test"
        assert error_condition(bounce) == "remote-server-not-found"
        assert bounce.xml.find("{jabber:client}error").get("type") == "cancel"
        reply = await answer
        assert reply["type"] == "error"
        assert error_condition(reply) == "remote-server-not-found"
        # Two attempts, one retry delay between them.
        assert 1 <= time.monotonic() - started < 10
        await alice.close()

    run(body())
    assert "s2s to dead.test: giving up after 2 attempt(s)" in s2s_log(a)


@pytest.mark.parametrize("behaviour, condition, connections", [
    ("invalid", "internal-server-error", 1),  # XEP-0220 §2.1.1: the key is refused
    ("error", "remote-server-timeout", 1),    # §2.4: no verdict; try later
    ("close", "remote-server-timeout", 2),    # hung up: retried once, then given up
])
def test_receiving_server_that_does_not_accept_us(suites, tmp_path, behaviour, condition,
                                                  connections):
    pem = str(tmp_path / "x.test.pem")
    make_certificate(pem, ["x.test"])
    far = FakeReceivingServer(HOSTILE, "x.test", pem, behaviour)
    far.start()
    try:
        a = suites.make(domains=("a.test",), address=A_ADDRESS, federation=True,
                        overrides={"x.test": [(HOSTILE, far.port, "starttls")]},
                        edit=s2s_settings({"queue": {"retries": 1, "retry-delay": 1}}))
        a.add_user("alice", "pw")

        async def body():
            alice = await online(a, ALICE + "/phone")
            msg = alice.make_message(mto="xavier@x.test", mbody="let me in", mtype="chat")
            msg.send()
            bounce = await alice.received(lambda st: st.name == "message" and
                                          st["type"] == "error", timeout=15, what="bounce")
            assert bounce["id"] == msg["id"]
            assert error_condition(bounce) == condition
            # Given up for good: no further attempts in the background.
            await asyncio.sleep(1.0)
            await alice.close()

        run(body())
        assert far.connections == connections, far.errors
        assert all("from='a.test'" in k for k in far.keys), far.keys
    finally:
        far.stop()


def test_domain_that_dns_says_does_not_exist(suites, tmp_path):
    base = suites.reserve(A_ADDRESS)
    dns = Unbound(str(tmp_path / "dns"), base + 7, [], zones=(("test.", "static"),),
                  address=A_ADDRESS).start()
    try:
        a = suites.make(domains=("a.test",), address=A_ADDRESS, base_port=base,
                        federation=True, dns_servers=[dns.server])
        a.add_user("alice", "pw")

        async def body():
            alice = await online(a, ALICE + "/phone")
            started = time.monotonic()
            alice.send_message(mto="someone@nx.test", mbody="hello?", mtype="chat")
            bounce = await alice.received(lambda st: st.name == "message" and
                                          st["type"] == "error", what="bounce")
            assert error_condition(bounce) == "remote-server-not-found"
            # DNS answered for good: no waiting for retries (5 s apart).
            assert time.monotonic() - started < 3
            await alice.close()

        run(body())
        assert "_xmpp-server._tcp.nx.test. SRV IN" in dns.queries()

        # A peer claiming that domain cannot be called back: a dialback
        # error (XEP-0220 §2.4), not a verdict on its key; the stream stays.
        peer = RawServer(a, source=HOSTILE)
        try:
            peer.starttls("nx.test")
            peer.send("<db:result from='nx.test' to='a.test'>%s</db:result>" % ("cd" * 32))
            answer = peer.read_until("</db:result>")
            assert re.search(r"<db:result[^>]*type=['\"]error['\"]", answer), answer
            assert "<remote-server-not-found xmlns='%s'/>" % NS_STANZAS in answer, answer
            assert not peer.closed(timeout=0.5)
        finally:
            peer.close()
    finally:
        dns.stop()
