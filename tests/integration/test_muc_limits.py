"""Multi-user chat limits and policies (muc.xml): rooms per owner, room
creation by administrators only, occupants per room, message size, the join
rate, and a room that never passes on a stranger's stanza."""

import asyncio
import re

import pytest

from muc import (is_error, is_groupchat, is_muc_presence, item, muc_login, muc_logins,
                 muc_suite, room_jid)
from xmpp import error_condition, run


def test_rooms_per_owner(suites):
    server = muc_suite(suites, rooms={"max-per-user": 2})

    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        await alice.create(room_jid(server, "one"), "Alice")
        await alice.create(room_jid(server, "two"), "Alice")
        # §10.1.1: creating is refused with not-allowed.
        assert await alice.refused(room_jid(server, "three"), "Alice") == "not-allowed"
        # Entering rooms of others is not creating.
        await bob.create(room_jid(server, "bobs"), "Bob")
        await alice.enter(room_jid(server, "bobs"), "Alice")
        await alice.close()
        await bob.close()
    run(body())


def test_only_administrators_create_rooms(suites):
    server = muc_suite(suites, rooms={"create": "admins"}, admins=("alice@localhost",))

    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        assert await bob.refused(room_jid(server, "bobs"), "Bob") == "not-allowed"
        room = room_jid(server, "official")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        # The room passes to Bob; Alice keeps no affiliation of her own...
        await alice.admin(room, affiliation="owner", jid="bob@localhost")
        await alice.admin(room, affiliation="none", jid="alice@localhost")
        assert await bob.affiliations(room, "owner") == ["bob@localhost"]
        carol = await muc_login(server, "carol")
        pres, _, _, _ = await carol.enter(room, "Carol")
        assert item(pres)["role"] == "participant"
        # ...but as a service administrator she is an owner of every room.
        assert (await alice.admin(room, role="none", nick="Carol"))["type"] == "result"
        assert (await alice.configure(room, roomname="Still mine"))["type"] == "result"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_occupants_per_room(suites):
    server = muc_suite(suites, limits={"max-occupants": 2})

    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "tiny")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        assert await carol.refused(room, "Carol") == "service-unavailable"
        # The owner may still let someone in by making them an admin.
        await alice.admin(room, affiliation="admin", jid="carol@localhost")
        await carol.enter(room, "Carol")
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_message_size(suites):
    server = muc_suite(suites, limits={"max-message-bytes": 1024})

    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "terse")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        mark = bob.mark()
        bob.say(room, "x" * 2000)
        await bob.received(is_error("message", "policy-violation"), since=mark)
        await alice.none_received(is_groupchat(frm=room + "/Bob"), seconds=0.3)
        bob.say(room, "short")
        await alice.received(is_groupchat(frm=room + "/Bob", body="short"))
        await alice.close()
        await bob.close()
    run(body())


def test_join_rate(suites):
    server = muc_suite(suites, limits={"join-rate": 1, "join-burst": 3})

    def knock(client, room):
        mark = client.mark()
        client.send_raw("<presence to='%s/Alice'><x xmlns='http://jabber.org/protocol/muc'/>"
                        "</presence>" % room)
        return client.received(is_error("presence", "resource-constraint"), since=mark)

    def retry_after(refusal):
        text = refusal.xml.find("{jabber:client}error/"
                                "{urn:ietf:params:xml:ns:xmpp-stanzas}text").text
        return int(re.search(r"try again in (\d+) ms", text).group(1)) / 1000

    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        rooms = [room_jid(server, "hop%d" % n) for n in range(5)]
        # Three joins at once (groupchat 1.0: instant rooms) spend the
        # burst; the next join waits (resource-constraint), about a
        # token's time at one join per second.
        mark = alice.mark()
        for r in rooms[:3]:
            alice.send_raw("<presence to='%s/Alice'/>" % r)
        refusal = await knock(alice, rooms[3])
        for r in rooms[:3]:
            await alice.received(is_muc_presence(r + "/Alice", self_presence=True), since=mark)
        assert refusal.xml.find("{jabber:client}error").get("type") == "wait"
        first = retry_after(refusal)
        assert 0.5 < first <= 1.0, first
        # Knocking again does not push the next token further away.
        again = retry_after(await knock(alice, rooms[3]))
        assert again <= first, (first, again)
        # Others are not affected.
        await bob.enter(rooms[0], "Bob")
        # Waiting as long as told is enough...
        await asyncio.sleep(again + 0.05)
        await alice.create(rooms[3], "Alice")
        # ...for one join: the next one waits for the next token.
        assert 0 < retry_after(await knock(alice, rooms[4])) <= 1.0
        await alice.close()
        await bob.close()
    run(body())


def test_stanzas_from_strangers_are_never_reflected(suites):
    server = muc_suite(suites)

    async def body():
        alice, bob, mallory = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "private-party")
        await alice.create(room, "Alice", changesubject=True)
        await bob.enter(room, "Bob")
        marks = alice.mark(), bob.mark()

        m = mallory.mark()
        mallory.say(room, "buy now")
        await mallory.received(is_error("message", "not-acceptable"), since=m)
        mallory.muc.set_subject(room, "Spam")
        await mallory.received(lambda st: st.xml.get("type") == "error" and st["subject"] == "Spam",
                               since=m)
        ping = await mallory.request(room + "/Bob", "get", "<ping xmlns='urn:xmpp:ping'/>")
        assert error_condition(ping) == "not-acceptable"
        # A presence update to someone else's nick is a join attempt: refused.
        mallory.send_raw("<presence to='%s/Bob'><x xmlns='http://jabber.org/protocol/muc'/>"
                         "</presence>" % room)
        await mallory.received(is_error("presence", "conflict"), since=m)

        for client, since in zip((alice, bob), marks):
            await client.none_received(lambda st: st.name == "message", since=since, seconds=0.3)
            await client.none_received(is_muc_presence(room + "/Carol"), since=since, seconds=0.1)
        # Occupants do reach each other's occupant JIDs.
        pong = await alice.request(room + "/Bob", "get", "<ping xmlns='urn:xmpp:ping'/>")
        assert pong["type"] == "result"
        assert str(pong["from"]) == room + "/Bob"
        for c in (alice, bob, mallory):
            await c.close()
    run(body())
