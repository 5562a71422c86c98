"""Multi-user chat administration (XEP-0045 §8-§10): kick, ban, voice,
membership, moderator, admin and owner status and their lists, and room
destruction - who may do each, and what every occupant sees."""

import pytest

from muc import (NS_USER, is_error, is_groupchat, is_muc_presence, item, muc_logins,
                 muc_suite, room_jid, statuses)
from xmpp import error_condition, run


@pytest.fixture
def server(suites):
    return muc_suite(suites)


async def room_with(server, name, owner, *guests):
    """`owner` creates an instant room; each guest enters with its user
    name, capitalized, as nick."""
    room = room_jid(server, name)
    await owner.create(room, owner.boundjid.user.capitalize())
    for g in guests:
        await g.enter(room, g.boundjid.user.capitalize())
    return room


def roles(answer):
    query = answer.xml.find("{http://jabber.org/protocol/muc#admin}query")
    return sorted(i.get("nick") for i in query.findall("{http://jabber.org/protocol/muc#admin}item"))


def test_kick(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = await room_with(server, "court", alice, bob, carol)
        # A participant may not kick (§8.2: forbidden).
        assert error_condition(await carol.admin(room, role="none", nick="Bob")) == "forbidden"

        marks = bob.mark(), carol.mark()
        answer = await alice.admin(room, role="none", nick="Bob", reason="Avaunt, you cullion!")
        assert answer["type"] == "result"
        kicked = await bob.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=marks[0])
        assert statuses(kicked) == ["307", "110"]
        assert item(kicked)["actor"] == "Alice"
        assert item(kicked)["reason"] == "Avaunt, you cullion!"
        seen = await carol.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=marks[1])
        assert statuses(seen) == ["307"] and item(seen)["role"] == "none"
        # Kicked is not banned.
        await bob.enter(room, "Bob")

        # A moderator without affiliation cannot kick the owner (not-allowed).
        await alice.admin(room, role="moderator", nick="Bob")
        assert error_condition(await bob.admin(room, role="none", nick="Alice")) == "not-allowed"
        assert (await bob.admin(room, role="none", nick="Carol"))["type"] == "result"
        assert error_condition(await alice.admin(room, role="none", nick="Nobody")) == \
            "item-not-found"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_ban(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = await room_with(server, "fortress", alice, bob, carol)
        marks = bob.mark(), carol.mark()
        answer = await alice.admin(room, affiliation="outcast", jid="bob@localhost",
                                   reason="Treason")
        assert answer["type"] == "result"
        banned = await bob.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=marks[0])
        assert statuses(banned) == ["301", "110"]
        assert item(banned)["affiliation"] == "outcast" and item(banned)["reason"] == "Treason"
        seen = await carol.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=marks[1])
        assert "301" in statuses(seen)
        # §7.2.8: banned users are kept out (forbidden); §9.2: the ban list.
        assert await bob.refused(room, "Bob") == "forbidden"
        assert await alice.affiliations(room, "outcast") == ["bob@localhost"]
        # A ban of someone who is not in the room.
        await alice.admin(room, affiliation="outcast", jid="dave@localhost")
        assert await alice.affiliations(room, "outcast") == ["bob@localhost", "dave@localhost"]
        # Lifted, the ban lets him in again.
        await alice.admin(room, affiliation="none", jid="bob@localhost")
        await bob.enter(room, "Bob")
        # Non-admins cannot ban.
        assert error_condition(await carol.admin(room, affiliation="outcast",
                                                 jid="bob@localhost")) == "forbidden"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_voice(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "podium")
        await alice.create(room, "Alice", moderatedroom=True)
        await bob.enter(room, "Bob")
        await carol.enter(room, "Carol")
        # §8.3: a moderator grants voice; everyone sees the new role.
        mark = carol.mark()
        assert (await alice.admin(room, role="participant", nick="Bob"))["type"] == "result"
        seen = await carol.received(is_muc_presence(room + "/Bob", type="available"), since=mark)
        assert item(seen)["role"] == "participant"
        bob.say(room, "heard")
        await carol.received(is_groupchat(frm=room + "/Bob", body="heard"))
        # §8.5: the voice list.
        voice = await alice.request(room, "get", "<query xmlns='http://jabber.org/protocol/"
                                    "muc#admin'><item role='participant'/></query>")
        assert roles(voice) == ["Bob"]
        assert error_condition(await carol.request(
            room, "get", "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                         "<item role='participant'/></query>")) == "forbidden"
        # §8.4: revoked again.
        mark = bob.mark()
        assert (await alice.admin(room, role="visitor", nick="Bob"))["type"] == "result"
        muted = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(muted)["role"] == "visitor"
        bob.say(room, "unheard")
        await bob.received(is_error("message", "forbidden"), since=mark)
        # Visitors cannot give voice; nobody takes it from the owner.
        assert error_condition(await carol.admin(room, role="participant", nick="Carol")) == \
            "forbidden"
        await alice.admin(room, role="moderator", nick="Carol")
        assert error_condition(await carol.admin(room, role="visitor", nick="Alice")) == \
            "not-allowed"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_membership(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = await room_with(server, "guild", alice, bob)
        # §9.3: an occupant made a member: everyone sees the affiliation.
        mark = bob.mark()
        assert (await alice.admin(room, affiliation="member", nick="Bob"))["type"] == "result"
        own = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(own)["affiliation"] == "member"
        await alice.admin(room, affiliation="member", jid="carol@localhost")
        assert await alice.affiliations(room, "member") == ["bob@localhost", "carol@localhost"]
        # §9.4: in a members-only room, losing membership means leaving (321).
        await alice.configure(room, membersonly=True)
        await carol.enter(room, "Carol")
        mark = carol.mark()
        await alice.admin(room, affiliation="none", jid="carol@localhost")
        removed = await carol.received(is_muc_presence(room + "/Carol", type="unavailable"),
                                       since=mark)
        assert "321" in statuses(removed)
        assert await alice.affiliations(room, "member") == ["bob@localhost"]
        # Members cannot edit the list.
        assert error_condition(await bob.admin(room, affiliation="member",
                                               jid="dave@localhost")) == "forbidden"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_moderator_status(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = await room_with(server, "panel", alice, bob, carol)
        # §9.6: granted by an admin or owner.
        mark = carol.mark()
        assert (await alice.admin(room, role="moderator", nick="Bob"))["type"] == "result"
        seen = await carol.received(is_muc_presence(room + "/Bob", type="available"), since=mark)
        assert item(seen)["role"] == "moderator"
        # A moderator may not make moderators.
        assert error_condition(await bob.admin(room, role="moderator", nick="Carol")) == \
            "forbidden"
        # §9.8: the moderator list.
        mods = await alice.request(room, "get", "<query xmlns='http://jabber.org/protocol/"
                                   "muc#admin'><item role='moderator'/></query>")
        assert roles(mods) == ["Alice", "Bob"]
        # §9.7: revoked; the owner's own status cannot be.
        mark = bob.mark()
        assert (await alice.admin(room, role="participant", nick="Bob"))["type"] == "result"
        own = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(own)["role"] == "participant"
        assert error_condition(await alice.admin(room, role="participant", nick="Alice")) == \
            "not-allowed"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_admins_and_owners(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = await room_with(server, "council", alice, bob, carol)
        # §10.6: admin status brings moderator status.
        mark = bob.mark()
        assert (await alice.admin(room, affiliation="admin", jid="bob@localhost"))["type"] == "result"
        own = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(own)["affiliation"] == "admin" and item(own)["role"] == "moderator"
        assert await alice.affiliations(room, "admin") == ["bob@localhost"]
        # An admin bans members but not owners, and makes no admins.
        assert error_condition(await bob.admin(room, affiliation="admin",
                                               jid="carol@localhost")) == "forbidden"
        assert error_condition(await bob.admin(room, affiliation="outcast",
                                               jid="alice@localhost")) == "not-allowed"
        assert await bob.affiliations(room, "owner") == ["alice@localhost"]
        # §10.3: a second owner; §10.4: then the first may step down.
        assert (await alice.admin(room, affiliation="owner", jid="carol@localhost"))["type"] == \
            "result"
        assert await alice.affiliations(room, "owner") == ["alice@localhost", "carol@localhost"]
        assert (await alice.admin(room, affiliation="member", jid="alice@localhost"))["type"] == \
            "result"
        # The last owner cannot (conflict).
        assert error_condition(await carol.admin(room, affiliation="none",
                                                 jid="carol@localhost")) == "conflict"
        # §10.7: admin status revoked.
        mark = bob.mark()
        await carol.admin(room, affiliation="member", jid="bob@localhost")
        own = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(own)["affiliation"] == "member" and item(own)["role"] == "participant"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_destroy_with_alternate_venue(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = await room_with(server, "condemned", alice, bob)
        venue = room_jid(server, "newhome")
        destroy = ("<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='%s'>"
                   "<reason>Moving</reason></destroy></query>" % venue)
        assert error_condition(await bob.request(room, "set", destroy)) == "forbidden"
        mark = bob.mark()
        assert (await alice.request(room, "set", destroy))["type"] == "result"
        gone = await bob.received(is_muc_presence(room + "/Bob", type="unavailable"), since=mark)
        d = gone.xml.find("{%s}x/{%s}destroy" % (NS_USER, NS_USER))
        assert d is not None and d.get("jid") == venue
        assert d.find("{%s}reason" % NS_USER).text == "Moving"
        info = await bob.request(room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        assert error_condition(info) == "item-not-found"
        await alice.close()
        await bob.close()
    run(body())
