"""Announcements and the message of the day (jabberd2's mod_announce):
an administrator writes to <domain>/announce/online to reach everyone online,
to <domain>/announce/motd to set the message of the day (sent to everyone
online and to every other user once, at their next login), .../motd/update
to replace it quietly and .../motd/delete to remove it. Anyone else gets
<forbidden/> and nothing happens."""

import asyncio
import time
import xml.etree.ElementTree as ET

import pytest

from xmpp import db_rows, error_condition, is_message, login, run, stored_rows

ADMIN, ALICE, BOB, CAROL = "admin@localhost", "alice@localhost", "bob@localhost", "carol@localhost"
NS_DELAY = "urn:xmpp:delay"


@pytest.fixture
def server(suites):
    def edit(name, tree):
        if name.startswith("sm"):
            ET.SubElement(ET.SubElement(tree.getroot(), "admin"), "jid").text = ADMIN
    s = suites.make(edit=edit)
    for name in ("admin", "alice", "bob", "carol", "mallory"):
        s.add_user(name, "pw")
    return s


def announce(sender, resource, body=None):
    """A message to localhost/<resource>, as clients' admin menus send it."""
    msg = sender.make_message(mto="localhost/" + resource, mbody=body, msubject="Notice")
    msg.send()
    return msg


def from_server(body=None):
    """An announcement: a normal message from the domain itself."""
    return is_message(frm="localhost", body=body, type="normal")


def motd_count(suite):
    return stored_rows(suite, "motd-message", "localhost")


def stored_motd(suite):
    """The stored message of the day of localhost (its XML), or None."""
    rows = db_rows(suite, 'SELECT "xml" FROM "motd-message" WHERE "collection-owner" = ?',
                   ("localhost",))
    return rows[0][0] if rows else None


async def until(condition, timeout=5.0, what="condition"):
    """Waits for condition() to hold (the server answers no announcement)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("no %s within %ss" % (what, timeout))
        await asyncio.sleep(0.05)


def test_announce_online_reaches_every_online_user(server):
    async def body():
        admin = await login(server, ADMIN + "/console", "pw")
        alice = await login(server, ALICE + "/phone", "pw")
        bob_desk = await login(server, BOB + "/desk", "pw")
        bob_laptop = await login(server, BOB + "/laptop", "pw", priority=3)
        marks = [c.mark() for c in (alice, bob_desk, bob_laptop)]
        announce(admin, "announce/online", "Maintenance at noon")
        for client, mark in zip((alice, bob_desk, bob_laptop), marks):
            got = await client.received(from_server("Maintenance at noon"), since=mark)
            assert got["to"] == client.boundjid.full
            assert got["subject"] == "Notice"
            assert got.xml.find("{%s}delay" % NS_DELAY) is None
        # Online only: carol, not logged in, never sees it, and nothing waits for her.
        carol = await login(server, CAROL + "/phone", "pw")
        await carol.none_received(from_server(), seconds=1.0)
        assert stored_rows(server, "queue", CAROL) == 0
        assert motd_count(server) == 0
        for c in (admin, alice, bob_desk, bob_laptop, carol):
            await c.close()

    run(body())


def test_motd_reaches_online_users_now_and_others_once_at_login(server):
    async def body():
        admin = await login(server, ADMIN + "/console", "pw")
        alice = await login(server, ALICE + "/phone", "pw")
        a = alice.mark()
        announce(admin, "announce/motd", "Welcome to the new server")
        await alice.received(from_server("Welcome to the new server"), since=a)
        assert motd_count(server) == 1

        # bob was not online: he gets it at his next login, with the time it
        # was announced (XEP-0203) ...
        bob = await login(server, BOB + "/desk", "pw")
        got = await bob.received(from_server("Welcome to the new server"))
        delay = got.xml.find("{%s}delay" % NS_DELAY)
        assert delay is not None and delay.get("from") == "localhost" and delay.get("stamp")
        await bob.close()
        # ... and only then: not at the login after.
        bob = await login(server, BOB + "/laptop", "pw")
        await bob.none_received(from_server(), seconds=1.5)
        await bob.close()

        # alice got it live: her next login brings nothing either.
        await alice.close()
        alice = await login(server, ALICE + "/tablet", "pw")
        await alice.none_received(from_server(), seconds=1.5)
        for c in (admin, alice, bob):
            await c.close()

    run(body())


def test_motd_update_and_delete(server):
    async def body():
        admin = await login(server, ADMIN + "/console", "pw")
        alice = await login(server, ALICE + "/phone", "pw")
        a = alice.mark()
        # An update is stored, but sent to no one now.
        announce(admin, "announce/motd/update", "First edition")
        await until(lambda: "First edition" in (stored_motd(server) or ""), what="first edition")
        await alice.none_received(from_server(), since=a, seconds=1.0)

        bob = await login(server, BOB + "/desk", "pw")
        await bob.received(from_server("First edition"))
        await bob.close()

        # A newer edition: bob is due it at his next login, though he saw the first.
        announce(admin, "announce/motd/update", "Second edition")
        await until(lambda: "Second edition" in (stored_motd(server) or ""), what="second edition")
        bob = await login(server, BOB + "/desk", "pw")
        got = await bob.received(from_server())
        assert got["body"] == "Second edition"
        await bob.none_received(from_server(), since=bob.seen.index(got) + 1, seconds=1.0)
        await bob.close()
        await alice.none_received(from_server(), since=a, seconds=0.1)

        # Deleted: carol, who never saw any, gets nothing.
        announce(admin, "announce/motd/delete")
        await until(lambda: motd_count(server) == 0, what="deletion")
        carol = await login(server, CAROL + "/phone", "pw")
        await carol.none_received(from_server(), seconds=1.5)
        for c in (admin, alice, carol):
            await c.close()

    run(body())


def test_announce_by_non_admin_is_forbidden(server):
    async def body():
        mallory = await login(server, "mallory@localhost/x", "pw")
        alice = await login(server, ALICE + "/phone", "pw")
        a = alice.mark()
        for resource in ("announce/online", "announce/motd", "announce/motd/update",
                         "announce/motd/delete", "announce"):
            m = mallory.mark()
            sent = announce(mallory, resource, "Free money")
            error = await mallory.received(
                lambda st: st.name == "message" and st["type"] == "error", since=m)
            # jabberd2 and RFC 6120 §8.3.3.4: known, but not allowed to.
            assert error_condition(error) == "forbidden", resource
            assert error.xml.find("{jabber:client}error").get("type") == "auth"
            assert error["from"] == "localhost/" + resource
            assert error["id"] == sent["id"]
        await alice.none_received(from_server(), since=a, seconds=1.0)
        assert motd_count(server) == 0
        # Nothing waits for anyone at login either.
        bob = await login(server, BOB + "/desk", "pw")
        await bob.none_received(from_server(), seconds=1.0)
        for c in (mallory, alice, bob):
            await c.close()

    run(body())


def test_message_to_other_server_resources_is_not_an_announcement(server):
    async def body():
        admin = await login(server, ADMIN + "/console", "pw")
        alice = await login(server, ALICE + "/phone", "pw")
        a, m = alice.mark(), admin.mark()
        # Under announce/ but nothing known, and outside announce/: no one
        # gets anything, and no error comes back for a message to the server.
        announce(admin, "announce/everyone", "?")
        announce(admin, "somewhere", "?")
        await alice.none_received(from_server(), since=a, seconds=1.0)
        await admin.none_received(lambda st: st.name == "message", since=m, seconds=0.1)
        assert motd_count(server) == 0
        for c in (admin, alice):
            await c.close()

    run(body())
