"""Last activity (XEP-0012) through the real daemons: the server's uptime;
for a user's bare JID the seconds since their last session ended and the
status of their last unavailable presence - for the user and contacts
subscribed to their presence, forbidden to anyone else; 0 while the user
is online; a full JID asks that client."""

import asyncio
import time

import pytest
from slixmpp.exceptions import IqError

from user_services import assert_error, eventually, request, sql, subscribe
from xmpp import Client, run, stored_rows

NS = "jabber:iq:last"


@pytest.fixture
def server(suites):
    s = suites.make()
    s.started = time.monotonic()
    for user in ("alice", "bob", "carol"):
        s.add_user(user, user + "-pw")
    return s


async def last_client(server, jid, password, **kw):
    c = Client(server, jid, password, **kw)
    c.register_plugin("xep_0012")
    return await c.login()


async def last_of(client, jid):
    """The answer to a last activity query, result or error."""
    try:
        return await client["xep_0012"].get_last_activity(jid)
    except IqError as e:
        return e.iq


def logout_row(server, owner):
    rows = sql(server, 'SELECT "time", "status" FROM "logout" WHERE "collection-owner" = ?',
               (owner,))
    return rows[0] if rows else None


def test_seconds_and_status_since_logout_for_a_subscriber(server):
    async def body():
        alice = await last_client(server, "alice@localhost/home", "alice-pw")
        bob = await last_client(server, "bob@localhost/work", "bob-pw")
        await subscribe(bob, alice)

        # While alice is online: 0 seconds (§3).
        online = await last_of(bob, "alice@localhost")
        assert online["type"] == "result"
        assert online["last_activity"]["seconds"] == 0
        assert not online["last_activity"]["status"]

        before = int(time.time())
        alice.send_presence(ptype="unavailable", pstatus="Heading Home")
        await bob.expect(lambda s: s.name == "presence" and s["type"] == "unavailable"
                         and s["from"].bare == "alice@localhost")
        await alice.close()
        await eventually(lambda: logout_row(server, "alice@localhost") is not None,
                         "the logout of alice recorded")
        stamp, status = logout_row(server, "alice@localhost")
        assert before <= stamp <= int(time.time()) and status == "Heading Home"

        await asyncio.sleep(1.2)
        answer = await last_of(bob, "alice@localhost")
        assert answer["type"] == "result"
        seconds = answer["last_activity"]["seconds"]
        assert 1 <= seconds <= int(time.time()) - before + 1
        assert answer["last_activity"]["status"] == "Heading Home"

        # The user may ask about themself (from another resource).
        alice = await last_client(server, "alice@localhost/phone", "alice-pw",
                                  initial_presence=False)
        mine = await last_of(alice, "alice@localhost")
        assert mine["type"] == "result" and mine["last_activity"]["status"] == "Heading Home"
        await alice.close()
        await bob.close()

    run(body())


def test_strangers_are_forbidden(server):
    async def body():
        alice = await last_client(server, "alice@localhost/home", "alice-pw")
        await alice.close()
        await eventually(lambda: stored_rows(server, "logout", "alice@localhost") == 1,
                         "the logout of alice recorded")
        carol = await last_client(server, "carol@localhost/desk", "carol-pw")
        assert_error(await last_of(carol, "alice@localhost"), "forbidden")
        # RFC 6121 §8.5.1: no account.
        assert_error(await last_of(carol, "nobody@localhost"), "service-unavailable")
        # A user who never logged out has no last activity yet.
        bob = await last_client(server, "bob@localhost/work", "bob-pw", initial_presence=False)
        assert_error(await last_of(bob, "bob@localhost"), "item-not-found")
        await bob.close()
        await carol.close()

    run(body())


def test_a_dropped_connection_leaves_no_status(server):
    async def body():
        alice = await last_client(server, "alice@localhost/home", "alice-pw")
        bob = await last_client(server, "bob@localhost/work", "bob-pw")
        await subscribe(bob, alice)
        # An unavailable presence followed by available again is stale.
        alice.send_presence(ptype="unavailable", pstatus="brb")
        alice.send_presence(pstatus="back")
        await bob.expect(lambda s: s.name == "presence" and s["from"].bare == "alice@localhost"
                         and s["status"] == "back")
        alice.drop()
        await eventually(lambda: logout_row(server, "alice@localhost") is not None,
                         "the logout of alice recorded")
        assert logout_row(server, "alice@localhost")[1] == ""
        answer = await last_of(bob, "alice@localhost")
        assert answer["type"] == "result" and not answer["last_activity"]["status"]
        await bob.close()

    run(body())


def test_the_last_session_ending_is_the_logout(server):
    async def body():
        home = await last_client(server, "alice@localhost/home", "alice-pw")
        phone = await last_client(server, "alice@localhost/phone", "alice-pw")
        home.send_presence(ptype="unavailable", pstatus="leaving home")
        await home.close()
        await asyncio.sleep(0.5)
        assert logout_row(server, "alice@localhost") is None, "logged out with a session left"
        phone.send_presence(ptype="unavailable", pstatus="off the phone")
        await phone.close()
        await eventually(lambda: logout_row(server, "alice@localhost") is not None,
                         "the logout of alice recorded")
        assert logout_row(server, "alice@localhost")[1] == "off the phone"

    run(body())


def test_server_uptime(server):
    async def body():
        bob = await last_client(server, "bob@localhost/work", "bob-pw")
        answer = await last_of(bob, "localhost")
        assert answer["type"] == "result"
        seconds = answer["last_activity"]["seconds"]
        assert 0 <= seconds <= time.monotonic() - server.started + 1
        # §6: no text for a server.
        query = answer.xml.find("{%s}query" % NS)
        assert not (query.text or "").strip()
        await bob.close()

    run(body())


def test_a_full_jid_asks_the_client(server):
    async def body():
        alice = await last_client(server, "alice@localhost/home", "alice-pw")
        bob = await last_client(server, "bob@localhost/work", "bob-pw")
        await subscribe(bob, alice)
        since = alice.mark()
        answer = await request(bob, "get", "<query xmlns='%s'/>" % NS, to="alice@localhost/home")
        # The client answered (with its idle time, or an error of its own).
        assert str(answer["from"]) == "alice@localhost/home"
        asked = await alice.received(lambda s: s.name == "iq" and s["type"] == "get"
                                     and s.xml.find("{%s}query" % NS) is not None, since=since)
        assert asked["from"] == bob.boundjid
        await alice.close()
        await bob.close()

    run(body())
