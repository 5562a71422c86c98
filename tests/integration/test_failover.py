"""A daemon dies or stops while clients are connected: what the clients see,
what the other daemons do, and that service comes back by itself once the
daemon is restarted (docs/operations.md describes the same from the
operator's side)."""

import asyncio
import base64
import secrets
import signal
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import set_limits
from xmpp import Component, Raw, login, run

BOT, BOT_SECRET = "bot.localhost", secrets.token_hex(16)


def add_users(suite):
    suite.add_user("alice", "alice-pw")
    suite.add_user("bob", "bob-pw")
    suite.add_user("carol", "carol-pw")
    return suite


def with_bot(name, tree):
    if name == "router-users":
        ET.SubElement(tree.getroot(), "component", name=BOT, secret=BOT_SECRET)


@pytest.fixture
def server(suites):
    return add_users(suites.make(edit=with_bot))


def is_message(body):
    return lambda st: st.name == "message" and st["body"] == body


def presence_of(jid, available=True):
    """A presence from `jid` (full or bare), available or unavailable."""
    def match(st):
        if st.name != "presence" or not str(st["from"]).startswith(jid):
            return False
        return (st["type"] == "unavailable") != available
    return match


async def befriend(a, b):
    """A mutual subscription; slixmpp approves and subscribes back by itself."""
    a.send_presence_subscription(pto=b.boundjid.bare)
    await a.expect(presence_of(b.boundjid.full), what="presence of %s" % b.boundjid)
    await b.expect(presence_of(a.boundjid.full), what="presence of %s" % a.boundjid)


async def chat(sender, receiver, body):
    sender.send_message(mto=receiver.boundjid.full, mbody=body, mtype="chat")
    msg = await receiver.expect(is_message(body), what="message %r" % body)
    assert msg["from"] == sender.boundjid.full


async def stream_error_of(client, timeout=10):
    """Waits until the server closed `client`'s stream; returns the
    conditions of the stream errors it sent."""
    try:
        await asyncio.wait_for(client.failed.wait(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError("%s is still connected" % client.boundjid)
    return [e["condition"] for e in client.stream_errors]


def bind_refused_with(suite, user, password):
    """Logs in by hand up to resource binding; returns the bind error."""
    raw = Raw(suite)
    try:
        raw.starttls()
        raw.open_stream()
        token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
        raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % token)
        raw.read_until("<success")
        raw.buf = b""
        raw.open_stream()
        raw.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        text = raw.read_until("</iq>")
        assert "type='error'" in text, text
        return text
    finally:
        raw.close()


# ---- the session manager -----------------------------------------------------

def test_sm_killed_clients_are_reset_and_come_back(server):
    async def body():
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        await chat(alice, bob, "before")

        server.kill("sm-1")
        # The session state lived in the sm: c2s ends the streams cleanly,
        # with <reset/> (RFC 6120 §4.9.3.16), and the clients log in again.
        assert await stream_error_of(alice) == ["reset"]
        assert await stream_error_of(bob) == ["reset"]
        assert server.running("c2s-1")
        assert "session manager sm-1 is gone: closed 2 client session(s)" in server.log_text("c2s-1")

        # With no sm, authentication still works but binding is refused
        # at once, not left hanging.
        assert "<resource-constraint" in bind_refused_with(server, "carol", "carol-pw")

        server.start("sm-1")
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        await chat(alice, bob, "after")
        await chat(bob, alice, "and back")
        await alice.close()
        await bob.close()
    run(body())


def test_sm_stopped_clients_get_system_shutdown_and_contacts_unavailable(server):
    async def body():
        bot = Component(server, BOT, BOT_SECRET)
        assert await bot.attach()
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        await befriend(alice, bob)
        # The component is a contact that outlives the sm: it got directed
        # presence from both (RFC 6121 §4.6).
        alice.send_presence(pto=BOT)
        bob.send_presence(pto=BOT)
        await bot.received(presence_of("alice@localhost/a"))
        await bot.received(presence_of("bob@localhost/b"))

        server.stop("sm-1")
        assert await stream_error_of(alice) == ["system-shutdown"]
        assert await stream_error_of(bob) == ["system-shutdown"]
        # RFC 6121 §4.6.3: everyone who had their presence learns they left.
        await bot.received(presence_of("alice@localhost/a", available=False))
        await bot.received(presence_of("bob@localhost/b", available=False))
        # Of the two friends, the one whose session ended second saw the
        # other go before its own stream was closed.
        saw = [any(presence_of(other, available=False)(st) for st in client.seen)
               for client, other in ((alice, "bob@localhost/b"), (bob, "alice@localhost/a"))]
        assert saw.count(True) == 1, saw
        assert server.running("c2s-1")
        await bot.close()
    run(body())


# ---- the router --------------------------------------------------------------

def test_router_killed_clients_and_sessions_survive(server):
    async def body():
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        await chat(alice, bob, "before the outage")
        c2s_log = server.log_size("c2s-1")
        sm_log = server.log_size("sm-1")

        server.kill("router")
        server.wait_log("c2s-1", "retrying with backoff", since=c2s_log)
        server.wait_log("sm-1", "retrying with backoff", since=sm_log)
        # During the outage c2s keeps its clients: nothing is closed...
        await asyncio.sleep(1)
        assert not alice.failed.is_set() and not bob.failed.is_set()
        assert not alice.stream_errors and not bob.stream_errors
        # ...and a new client may authenticate but not start a session.
        loop = asyncio.get_running_loop()
        refused = await loop.run_in_executor(None, bind_refused_with, server, "carol", "carol-pw")
        assert "<resource-constraint" in refused

        server.start("router")
        await loop.run_in_executor(None, lambda: server.wait_log(
            "c2s-1", "as c2s-1 (again)", since=c2s_log))
        await loop.run_in_executor(None, lambda: server.wait_log(
            "sm-1", "as sm-1 (again)", since=sm_log))

        # The sessions are still there, at both ends.
        await chat(alice, bob, "after the outage")
        await chat(bob, alice, "welcome back")
        carol = await login(server, "carol@localhost/c", "carol-pw")
        await chat(carol, alice, "hi, I am new")
        assert not alice.stream_errors and not bob.stream_errors
        for c in (alice, bob, carol):
            await c.close()
    run(body())
    assert "is gone" not in server.log_text("c2s-1")
    assert "went away" not in server.log_text("sm-1")


@pytest.mark.parametrize("first", ["c2s-1", "sm-1"])
def test_router_back_sessions_survive_whoever_reconnects_first(suites, first):
    # The c2s and the sm find the router again at moments of their own; the
    # one that comes back first must wait for the other, not drop sessions.
    server = add_users(suites.make())

    async def body():
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        await befriend(alice, bob)
        late = "sm-1" if first == "c2s-1" else "c2s-1"
        marks = {n: server.log_size(n) for n in ("c2s-1", "sm-1")}
        loop = asyncio.get_running_loop()

        server.kill("router")
        await loop.run_in_executor(None, lambda: server.wait_log(
            "c2s-1", "retrying with backoff", since=marks["c2s-1"]))
        # Stanzas clients send meanwhile wait in c2s.
        alice.send_message(mto=bob.boundjid.full, mbody="sent during the outage", mtype="chat")
        # Hold the late one back: stop it (SIGSTOP) until the first is in.
        server.procs[late].send_signal(signal.SIGSTOP)
        try:
            server.start("router")
            await loop.run_in_executor(None, lambda: server.wait_log(
                first, "(again)", since=marks[first]))
            # Long enough for the first to have given up on the other, were
            # it going to.
            await asyncio.sleep(1)
        finally:
            server.procs[late].send_signal(signal.SIGCONT)
        await loop.run_in_executor(None, lambda: server.wait_log(
            late, "(again)", since=marks[late], timeout=15))

        msg = await bob.expect(is_message("sent during the outage"))
        assert msg["from"] == alice.boundjid.full
        await chat(alice, bob, "still friends")
        assert not alice.stream_errors and not bob.stream_errors
        await alice.close()
        await bob.close()
    run(body())


def test_router_back_without_the_sm_clients_are_reset_after_the_grace(suites):
    # The sm died while the router was away: c2s waits limits@sm-grace for
    # it, then closes its clients as when an sm goes away.
    server = add_users(suites.make(edit=set_limits("c2s", sm_grace=2)))

    async def body():
        alice = await login(server, "alice@localhost/a", "alice-pw")
        mark = server.log_size("c2s-1")
        loop = asyncio.get_running_loop()
        server.kill("router")
        server.kill("sm-1")
        server.start("router")
        await loop.run_in_executor(None, lambda: server.wait_log(
            "c2s-1", "(again)", since=mark))
        back = time.monotonic()
        assert await stream_error_of(alice, timeout=10) == ["reset"]
        waited = time.monotonic() - back
        assert 1.5 <= waited < 5, "clients closed %.1fs after the router came back" % waited

        server.start("sm-1")
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        await chat(alice, bob, "a new start")
        await alice.close()
        await bob.close()
    run(body())


def test_router_flapping_during_the_grace_keeps_sessions(suites):
    # The router comes back, goes again before the c2s is in, and comes back
    # after longer than the sm's grace: the grace runs while the router is
    # there to tell who is, never while it is away.
    def edit(name, tree):
        if name.startswith("sm"):
            tree.getroot().find("sessions").set("c2s-grace", "2")
    server = add_users(suites.make(edit=edit))

    async def body():
        alice = await login(server, "alice@localhost/a", "alice-pw")
        bob = await login(server, "bob@localhost/b", "bob-pw")
        loop = asyncio.get_running_loop()

        def wait(name, text, since):
            return loop.run_in_executor(None, lambda: server.wait_log(name, text, since=since))

        server.kill("router")
        server.procs["c2s-1"].send_signal(signal.SIGSTOP)
        try:
            mark = server.log_size("sm-1")
            server.start("router")
            await wait("sm-1", "(again)", mark)
            mark = server.log_size("sm-1")
            server.kill("router")
            await wait("sm-1", "retrying with backoff", mark)
            await asyncio.sleep(2.5)
            mark = {n: server.log_size(n) for n in ("c2s-1", "sm-1")}
            server.start("router")
            await wait("sm-1", "(again)", mark["sm-1"])
        finally:
            server.procs["c2s-1"].send_signal(signal.SIGCONT)
        await wait("c2s-1", "(again)", mark["c2s-1"])

        await chat(alice, bob, "still here")
        assert not alice.stream_errors and not bob.stream_errors
        await alice.close()
        await bob.close()
    run(body())
    assert "went away" not in server.log_text("sm-1")


# ---- a c2s -------------------------------------------------------------------

def test_c2s_killed_its_users_go_unavailable_to_contacts_elsewhere(suites):
    server = add_users(suites.make(c2s_ids=("c2s-1", "c2s-2"), separate_c2s_ports=True))

    async def body():
        alice = await login(server, "alice@localhost/a", "alice-pw", c2s="c2s-1")
        bob = await login(server, "bob@localhost/b", "bob-pw", c2s="c2s-2")
        await befriend(alice, bob)
        await chat(alice, bob, "across two c2s")

        server.kill("c2s-1")
        # The router tells the sm that c2s-1 is gone; the sm ends its
        # sessions, and contacts see the users leave.
        await bob.expect(presence_of("alice@localhost/a", available=False),
                         what="unavailable presence of alice")
        assert "c2s-1 went away: ending its 1 session(s)" in server.log_text("sm-1")
        assert server.running("c2s-2") and server.running("sm-1")

        # A message to alice now waits offline, instead of going to a dead c2s.
        bob.send_message(mto="alice@localhost", mbody="where did you go?", mtype="chat")
        # The sm handles bob's stanzas in order: once the ping is answered,
        # the message is stored.
        await bob["xep_0199"].ping(jid="localhost", timeout=10)
        alice = await login(server, "alice@localhost/a2", "alice-pw", c2s="c2s-2")
        await alice.expect(is_message("where did you go?"))
        await bob.expect(presence_of("alice@localhost/a2"))

        server.start("c2s-1")
        carol = await login(server, "carol@localhost/c", "carol-pw", c2s="c2s-1")
        await chat(carol, bob, "c2s-1 is back")
        for c in (alice, bob, carol):
            await c.close()
    run(body())
