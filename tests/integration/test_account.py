"""The account after login (XEP-0077) through the real daemons: a registered
user's get; a password change, after which only the new password logs in
while the user's sessions stay; cancelling the account, which removes every
row of it and ends all its sessions with <not-authorized/> (the result
first); and the time of the first activity (`active`)."""

import asyncio
import re
import time

import pytest
from slixmpp.exceptions import IqError

from test_jabberdctl import rows_of
from user_services import assert_error, child, eventually, request, sql, subscribe
from xmpp import Client, Raw, is_roster_push, login, roster_items, run, stored_rows

NS = "jabber:iq:register"
ITERATIONS = 5000  # not the default: the sm's setting is the one used


@pytest.fixture
def server(suites):
    def edit(name, tree):
        if name == "sm-1":
            tree.getroot().find("register").set("iterations", str(ITERATIONS))
    s = suites.make(edit=edit)
    for user in ("alice", "bob", "carol"):
        s.add_user(user, user + "-pw")
    return s


async def account_client(server, jid, password, **kw):
    c = await Client(server, jid, password, **kw).login()
    # After login: before it, the plugin would take part in stream
    # negotiation (in-band registration), which is c2s's business.
    c.register_plugin("xep_0077")
    return c


async def refused_login(server, jid, password):
    try:
        c = await Client(server, jid, password).login(timeout=5)
    except AssertionError:
        return True
    await c.close()
    return False


def change(username, password):
    return ("<query xmlns='%s'><username>%s</username><password>%s</password></query>"
            % (NS, username, password))


def test_a_registered_user_gets_their_username(server):
    async def body():
        alice = await account_client(server, "alice@localhost/home", "alice-pw")
        for to in (None, "localhost", "alice@localhost"):
            answer = await request(alice, "get", "<query xmlns='%s'/>" % NS, to=to)
            assert answer["type"] == "result", str(answer)
            query = child(answer, NS, "query")
            assert query.find("{%s}registered" % NS) is not None
            assert query.find("{%s}username" % NS).text == "alice"
        # Someone else's account is not theirs to ask about.
        bob = await account_client(server, "bob@localhost/work", "bob-pw")
        assert_error(await request(bob, "get", "<query xmlns='%s'/>" % NS, to="alice@localhost"),
                     "service-unavailable")
        await alice.close()
        await bob.close()

    run(body())


def test_password_change_then_only_the_new_password_logs_in(server):
    async def body():
        alice = await account_client(server, "alice@localhost/home", "alice-pw")
        phone = await account_client(server, "alice@localhost/phone", "alice-pw")
        answer = await alice["xep_0077"].change_password("new secret pw")
        assert answer["type"] == "result"
        rows = sql(server, 'SELECT "scram-sha1-iterations", "scram-sha256-iterations" '
                           'FROM "authreg" WHERE "username" = ? AND "realm" = ?',
                   ("alice", "localhost"))
        assert rows == [(ITERATIONS, ITERATIONS)]

        # The sessions stay: both still talk to the server.
        for c in (alice, phone):
            pong = await request(c, "get", "<ping xmlns='urn:xmpp:ping'/>", to="localhost")
            assert pong["type"] == "result"
        assert await refused_login(server, "alice@localhost/other", "alice-pw")
        fresh = await login(server, "alice@localhost/other", "new secret pw")
        await fresh.close()

        # XEP-0077 §3.3's example asks the server itself.
        again = await request(alice, "set", change("alice", "third-pw"), to="localhost")
        assert again["type"] == "result", str(again)
        assert await refused_login(server, "alice@localhost/other", "new secret pw")
        fresh = await login(server, "alice@localhost/other", "third-pw")
        await fresh.close()
        await alice.close()
        await phone.close()

    run(body())


def test_password_changes_that_are_refused(server):
    async def body():
        alice = await account_client(server, "alice@localhost/home", "alice-pw")
        for payload, condition in (
                (change("alice", ""), "not-acceptable"),
                (change("alice", "p" * 1025), "not-acceptable"),
                # SASLprep (RFC 4013 §2.3) prohibits private use characters.
                (change("alice", "pw\ue000"), "not-acceptable"),
                ("<query xmlns='%s'><password>x</password></query>" % NS, "bad-request"),
                ("<query xmlns='%s'><username>alice</username></query>" % NS, "bad-request"),
                (change("bob", "taken-over"), "bad-request"),
                # §3.2: <remove/> must come alone.
                ("<query xmlns='%s'><username>alice</username><remove/></query>" % NS,
                 "bad-request")):
            answer = await request(alice, "set", payload)
            assert_error(answer, condition)
            # The password is never sent back.
            assert "<password>" not in str(answer).replace("<password />", "")
        # Only the user changes their password.
        bob = await account_client(server, "bob@localhost/work", "bob-pw")
        assert_error(await request(bob, "set", change("alice", "taken-over"), to="alice@localhost"),
                     "service-unavailable")
        await bob.close()
        await alice.close()
        # Nothing changed.
        c = await login(server, "alice@localhost/check", "alice-pw")
        await c.close()

    run(body())


def test_cancel_removes_every_row_and_ends_every_session(server):
    async def body():
        # A logout and a first activity on record, roster rows on both sides.
        alice = await account_client(server, "alice@localhost/home", "alice-pw")
        bob = await login(server, "bob@localhost/work", "bob-pw")
        await subscribe(bob, alice)
        await subscribe(alice, bob)
        await alice.close()
        await eventually(lambda: stored_rows(server, "logout", "alice@localhost") == 1,
                         "the logout of alice recorded")

        # Sessions that are not available: a message for alice is stored.
        phone = await account_client(server, "alice@localhost/phone", "alice-pw",
                                     initial_presence=False)
        for payload in ("<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>",
                        "<query xmlns='jabber:iq:private'><n xmlns='urn:example:notes'/></query>",
                        "<query xmlns='jabber:iq:privacy'><list name='quiet'>"
                        "<item type='jid' value='spam@example.com' action='deny' order='1'/>"
                        "</list></query>",
                        "<query xmlns='jabber:iq:roster'><item jid='carol@localhost'>"
                        "<group>Friends</group></item></query>"):
            answer = await request(phone, "set", payload)
            assert answer["type"] == "result", str(answer)
        bob.send_message(mto="alice@localhost", mbody="for later", mtype="chat")
        await eventually(lambda: stored_rows(server, "queue", "alice@localhost") == 1,
                         "the message for alice stored")
        before = rows_of(server, "alice@localhost", "alice", "localhost")
        for table in ("authreg", "roster-items", "roster-groups", "queue", "vcard", "private",
                      "privacy-items", "logout", "active"):
            assert before.get(table), "no %s row to remove: %s" % (table, before)

        # Cancel from a raw stream, to see the order of what comes back.
        raw = Raw(server)
        raw.login_plain("alice", "alice-pw", resource="raw")
        raw.send("<iq type='set' id='unreg1'><query xmlns='%s'><remove/></query></iq>" % NS)
        condition = raw.error_and_close()
        text = raw.buf.decode(errors="replace")
        # XEP-0077 §3.2: the result, then the stream error not-authorized.
        result = re.search(r"<iq\b[^>]*\bid=['\"]unreg1['\"][^>]*>", text)
        assert result and re.search(r"type=['\"]result['\"]", result.group(0)), text
        assert condition == "not-authorized"
        assert result.start() < text.index("<stream:error>")

        # The other session ends the same way.
        await asyncio.wait_for(phone.gone.wait(), 10)
        assert [e["condition"] for e in phone.stream_errors] == ["not-authorized"]

        # No row of alice anywhere - the catalog's every table with a
        # collection owner, and authreg - now, and once everything settled.
        assert rows_of(server, "alice@localhost", "alice", "localhost") == {}
        await asyncio.sleep(0.5)
        assert rows_of(server, "alice@localhost", "alice", "localhost") == {}
        # Bob keeps his side of the roster, with the subscriptions cancelled
        # both ways (§3.2), and hears about it.
        assert rows_of(server, "bob@localhost", "bob", "localhost").get("roster-items") == 1

        def bobs_item():
            return sql(server, 'SELECT "to", "from" FROM "roster-items" '
                               'WHERE "collection-owner" = ? AND "jid" = ?',
                       ("bob@localhost", "alice@localhost"))
        await eventually(lambda: bobs_item() == [(0, 0)], "the subscriptions cancelled")
        push = is_roster_push("alice@localhost")
        await bob.received(lambda s: push(s) and roster_items(s)[0].get("subscription") == "none",
                           what="a roster push of subscription none")
        await bob.close()
        assert await refused_login(server, "alice@localhost/home", "alice-pw")

    run(body())


def test_cancel_with_slixmpp(server):
    async def body():
        alice = await account_client(server, "alice@localhost/home", "alice-pw")
        try:
            answer = await alice["xep_0077"].cancel_registration()
        except IqError as e:
            answer = e.iq
        assert answer["type"] == "result"
        await asyncio.wait_for(alice.gone.wait(), 10)
        assert [e["condition"] for e in alice.stream_errors] == ["not-authorized"]
        assert rows_of(server, "alice@localhost", "alice", "localhost") == {}
        assert "alice" not in server.ctl("user", "list", "localhost").stdout.split()

    run(body())


def test_first_activity_is_recorded_once(server):
    def active(owner):
        rows = sql(server, 'SELECT "time" FROM "active" WHERE "collection-owner" = ?', (owner,))
        return rows[0][0] if rows else None

    async def body():
        assert active("alice@localhost") is None
        before = int(time.time())
        alice = await login(server, "alice@localhost/home", "alice-pw")
        await eventually(lambda: active("alice@localhost") is not None,
                         "the first activity of alice recorded")
        first = active("alice@localhost")
        assert before <= first <= int(time.time())
        await alice.close()
        await asyncio.sleep(1.1)
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        await asyncio.sleep(0.3)
        assert active("alice@localhost") == first
        await alice.close()
        # Only those who logged in.
        assert active("carol@localhost") is None

    run(body())
