"""Multi-user chat room configuration (XEP-0045 §10.2): each option of the
muc#roomconfig form, set by the owner, changes what occupants and
outsiders see - one test per option."""

import asyncio
import sqlite3
import subprocess

import pytest

from muc import (disco_features, disco_items, error_type, is_error, is_groupchat,
                 is_muc_presence, item, leave, muc_login, muc_logins, muc_suite, others,
                 room_info_field, room_jid, statuses)
from xmpp import error_condition, run

DISCO_INFO = "<query xmlns='http://jabber.org/protocol/disco#info'/>"
DISCO_ITEMS = "<query xmlns='http://jabber.org/protocol/disco#items'/>"


@pytest.fixture
def server(suites):
    return muc_suite(suites)


def stored_rooms(server):
    """The rooms of the muc service in storage, by name, with either driver."""
    query = 'SELECT "room" FROM "muc-rooms" WHERE "collection-owner" = \'%s\' ORDER BY 1' \
        % server.muc_service()
    if server.storage == "pgsql":
        out = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-d", server.pgsql_conninfo, "-c", query],
                             check=True, capture_output=True, text=True).stdout
        return out.split()
    db = sqlite3.connect("file:%s?mode=ro" % server.database, uri=True)
    try:
        return [row[0] for row in db.execute(query)]
    finally:
        db.close()


async def info(client, room):
    return await client.request(room, "get", DISCO_INFO)


def test_name_description_and_language(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "named")
        await alice.create(room, "Alice", roomname="Witches' Kitchen",
                           roomdesc="Where the cauldron boils", lang="en")
        answer = await info(bob, room)
        identity = answer.xml.find("{http://jabber.org/protocol/disco#info}query/"
                                   "{http://jabber.org/protocol/disco#info}identity")
        assert identity.get("name") == "Witches' Kitchen"
        assert room_info_field(answer, "muc#roominfo_description") == ["Where the cauldron boils"]
        assert room_info_field(answer, "muc#roominfo_lang") == ["en"]
        items = disco_items(await bob.request(server.muc_service(), "get", DISCO_ITEMS))
        assert items[room] == "Witches' Kitchen"
        await alice.close()
        await bob.close()
    run(body())


def test_public_or_hidden(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        public, hidden = room_jid(server, "open-door"), room_jid(server, "back-room")
        await alice.create(public, "Alice")
        await alice.create(hidden, "Alice", publicroom=False)
        items = disco_items(await bob.request(server.muc_service(), "get", DISCO_ITEMS))
        assert public in items and hidden not in items
        assert "muc_hidden" in disco_features(await info(bob, hidden))
        assert "muc_public" in disco_features(await info(bob, public))
        # Hidden is not closed: who knows the name gets in.
        await bob.enter(hidden, "Bob")
        await alice.configure(hidden, publicroom=True)
        items = disco_items(await bob.request(server.muc_service(), "get", DISCO_ITEMS))
        assert hidden in items
        await alice.close()
        await bob.close()
    run(body())


def test_persistent_or_temporary(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        kept, gone = room_jid(server, "kept"), room_jid(server, "fleeting")
        await alice.create(kept, "Alice", persistentroom=True)
        await alice.create(gone, "Alice")
        assert "muc_persistent" in disco_features(await info(bob, kept))
        assert "muc_temporary" in disco_features(await info(bob, gone))
        mark = alice.mark()
        alice.muc.leave_muc(kept, "Alice")
        alice.muc.leave_muc(gone, "Alice")
        await alice.received(is_muc_presence(kept + "/Alice", type="unavailable"), since=mark)
        await alice.received(is_muc_presence(gone + "/Alice", type="unavailable"), since=mark)
        # Empty, the persistent room stays; the temporary one is gone.
        assert error_condition(await info(bob, gone)) == "item-not-found"
        answer = await info(bob, kept)
        assert answer["type"] == "result"
        assert room_info_field(answer, "muc#roominfo_occupants") == ["0"]
        assert stored_rooms(server) == ["kept"]
        # The owner comes back to it, still its owner.
        pres, _, _, _ = await alice.enter(kept, "Alice")
        assert item(pres)["affiliation"] == "owner"
        await alice.close()
        await bob.close()
    run(body())


def test_members_only(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "club")
        await alice.create(room, "Alice")
        await carol.enter(room, "Carol")
        # §9.4: becoming members-only removes those who are not members (322).
        mark = carol.mark()
        await alice.configure(room, membersonly=True)
        removed = await carol.received(is_muc_presence(room + "/Carol", type="unavailable"),
                                       since=mark)
        assert "322" in statuses(removed)
        assert "muc_membersonly" in disco_features(await info(bob, room))
        # §7.2.7: registration-required (407, type auth) for non-members.
        mark = bob.mark()
        assert await bob.refused(room, "Bob") == "registration-required"
        refusal = await bob.received(is_error("presence", "registration-required"), since=mark)
        assert error_type(refusal) == "auth"
        assert (await alice.admin(room, affiliation="member", jid="bob@localhost"))["type"] == "result"
        pres, _, _, _ = await bob.enter(room, "Bob")
        assert item(pres)["affiliation"] == "member"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_moderated(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "stage")
        await alice.create(room, "Alice", moderatedroom=True)
        assert "muc_moderated" in disco_features(await info(bob, room))
        pres, _, _, _ = await bob.enter(room, "Bob")
        assert item(pres)["role"] == "visitor"
        # A visitor is heard by nobody (§7.4: forbidden).
        mark = bob.mark()
        bob.say(room, "may I speak?")
        refusal = await bob.received(is_error("message", "forbidden"), since=mark)
        await alice.none_received(is_groupchat(body="may I speak?"), seconds=0.3)
        assert refusal is not None
        # §8.3: a moderator grants voice.
        assert (await alice.admin(room, role="participant", nick="Bob"))["type"] == "result"
        voiced = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(voiced)["role"] == "participant"
        bob.say(room, "thank you")
        await alice.received(is_groupchat(frm=room + "/Bob", body="thank you"))
        # Unmoderated again: visitors get voice. (Bob sees his demotion
        # first; only the presence after it answers the configuration.)
        mark = bob.mark()
        await alice.admin(room, role="visitor", nick="Bob")
        demoted = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(demoted)["role"] == "visitor"
        mark = bob.mark()
        await alice.configure(room, moderatedroom=False)
        again = await bob.received(is_muc_presence(room + "/Bob", self_presence=True), since=mark)
        assert item(again)["role"] == "participant"
        await alice.close()
        await bob.close()
    run(body())


def test_password_protected(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "vault")
        await alice.create(room, "Alice", passwordprotectedroom=True, roomsecret="cauldron")
        assert "muc_passwordprotected" in disco_features(await info(bob, room))
        # §7.2.6: not-authorized (401, type auth) without the right password.
        mark = bob.mark()
        assert await bob.refused(room, "Bob") == "not-authorized"
        refusal = await bob.received(is_error("presence", "not-authorized"), since=mark)
        assert error_type(refusal) == "auth"
        assert await bob.refused(room, "Bob", password="kettle") == "not-authorized"
        await bob.enter(room, "Bob", password="cauldron")
        # Protection without a password is not acceptable.
        answer = await alice.configure(room, passwordprotectedroom=True, roomsecret="")
        assert error_condition(answer) == "not-acceptable"
        await alice.close()
        await bob.close()
    run(body())


def test_max_users(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "small")
        await alice.create(room, "Alice", maxusers=2)
        await bob.enter(room, "Bob")
        # §7.2.10: service-unavailable (503, type wait) when full.
        mark = carol.mark()
        assert await carol.refused(room, "Carol") == "service-unavailable"
        refusal = await carol.received(is_error("presence", "service-unavailable"), since=mark)
        assert error_type(refusal) == "wait"
        bob.muc.leave_muc(room, "Bob")
        await alice.received(is_muc_presence(room + "/Bob", type="unavailable"))
        await carol.enter(room, "Carol")
        # Beyond the service's limit is not acceptable.
        answer = await alice.configure(room, maxusers=100000)
        assert error_condition(answer) == "not-acceptable"
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_who_may_see_real_jids(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "glass")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        assert "muc_semianonymous" in disco_features(await info(bob, room))
        _, _, occupants, _ = await carol.enter(room, "Carol")
        assert all("jid" not in item(o) for o in others(occupants, room + "/Carol"))
        # §10.2.1: becoming non-anonymous is announced (172).
        mark = bob.mark()
        await alice.configure(room, whois="anyone")
        notice = await bob.received(lambda st: st.name == "message" and "172" in statuses(st),
                                    since=mark)
        assert str(notice["from"]) == room
        assert "muc_nonanonymous" in disco_features(await info(bob, room))
        # Everyone sees real JIDs now, and a newcomer is told (100).
        await leave(carol, room, "Carol")
        await alice.received(is_muc_presence(room + "/Carol", type="unavailable"))
        mark = bob.mark()
        pres, _, occupants, _ = await carol.enter(room, "Carol")
        assert "100" in statuses(pres)
        assert {item(o)["jid"] for o in others(occupants, room + "/Carol")} == {
            str(alice.boundjid), str(bob.boundjid)}
        seen = await bob.received(is_muc_presence(room + "/Carol", type="available"), since=mark)
        assert item(seen)["jid"] == str(carol.boundjid)
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_occupants_may_change_the_subject(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "agora")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        mark = bob.mark()
        bob.muc.set_subject(room, "Mine now")
        await bob.received(is_error("message", "forbidden"), since=mark)
        await alice.configure(room, changesubject=True)
        bob.muc.set_subject(room, "Mine now")
        got = await alice.received(lambda st: st.name == "message" and st["subject"] == "Mine now")
        assert str(got["from"]) == room + "/Bob"
        answer = await info(bob, room)
        assert room_info_field(answer, "muc#roominfo_subject") == ["Mine now"]
        assert room_info_field(answer, "muc#roominfo_changesubject") == ["1"]
        await alice.close()
        await bob.close()
    run(body())


def test_occupants_may_invite(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "party")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        # By default only moderators invite to an open room.
        mark = bob.mark()
        bob.muc.invite(room, "carol@localhost", reason="join us")
        await bob.received(is_error("message", "forbidden"), since=mark)
        await carol.none_received(lambda st: st.name == "message" and st["from"] == room,
                                  seconds=0.3)
        await alice.configure(room, allowinvites=True)
        mark = carol.mark()
        bob.muc.invite(room, "carol@localhost", reason="join us")
        invitation = await carol.received(
            lambda st: st.name == "message" and str(st["from"]) == room, since=mark)
        assert invitation.xml.find("{http://jabber.org/protocol/muc#user}x/"
                                   "{http://jabber.org/protocol/muc#user}invite") is not None
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_who_may_get_the_member_list(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "roll")
        await alice.create(room, "Alice")
        await alice.admin(room, affiliation="member", jid="bob@localhost")
        await alice.admin(room, affiliation="member", jid="carol@localhost")
        await bob.enter(room, "Bob")
        # §9.5 by default participants may fetch it...
        assert await bob.affiliations(room, "member") == ["bob@localhost", "carol@localhost"]
        # ...until the room keeps it for moderators.
        await alice.configure(room, getmemberlist=["moderator"])
        assert await bob.affiliations(room, "member") == "forbidden"
        assert await alice.affiliations(room, "member") == ["bob@localhost", "carol@localhost"]
        # The other lists are the admins' and owners' (§9.2, §10.5).
        assert await bob.affiliations(room, "owner") == "forbidden"
        await alice.close()
        await bob.close()
    run(body())


def test_presence_broadcast_per_role(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "quiet")
        await alice.create(room, "Alice", presencebroadcast=["moderator"])
        mark = alice.mark()
        pres, _, occupants, _ = await bob.enter(room, "Bob")
        # Bob sees the moderator, and himself.
        assert [str(o["from"]) for o in others(occupants, room + "/Bob")] == [room + "/Alice"]
        _, _, occupants, _ = await carol.enter(room, "Carol")
        assert [str(o["from"]) for o in others(occupants, room + "/Carol")] == [room + "/Alice"]
        # Nobody hears of participants coming and going.
        await alice.none_received(is_muc_presence(room + "/Bob"), since=mark, seconds=0.3)
        mark = carol.mark()
        await leave(bob, room, "Bob")
        await carol.none_received(is_muc_presence(room + "/Bob"), since=mark, seconds=0.3)
        # Participants are heard again once the room says so.
        await alice.configure(room, presencebroadcast=["moderator", "participant", "visitor"])
        mark = carol.mark()
        pres, _, _, _ = await bob.enter(room, "Bob")
        await carol.received(is_muc_presence(room + "/Bob", type="available"), since=mark)
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_logging(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "minutes")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        # §10.2.1: logging switched on is announced (170)...
        mark = bob.mark()
        await alice.configure(room, enablelogging=True)
        await bob.received(lambda st: st.name == "message" and "170" in statuses(st), since=mark)
        # ...and newcomers are told (§7.2.13).
        dave = await muc_login(server, "dave")
        pres, _, _, _ = await dave.enter(room, "Dave")
        assert "170" in statuses(pres)
        # wait_log polls with sleep: off the event loop, so that Bob's
        # message is actually sent meanwhile.
        since = server.log_size("muc")
        bob.say(room, "for the record")
        await asyncio.to_thread(server.wait_log, "muc", "<Bob> for the record", since=since)
        mark = bob.mark()
        await alice.configure(room, enablelogging=False)
        await bob.received(lambda st: st.name == "message" and "171" in statuses(st), since=mark)
        # Switched off, the room's messages stay out of the log. Dave's
        # leaving, logged after Bob's message was handled, shows the log
        # has caught up.
        since = server.log_size("muc")
        bob.say(room, "off the record")
        await alice.received(is_groupchat(frm=room + "/Bob", body="off the record"))
        dave.muc.leave_muc(room, "Dave")
        text = await asyncio.to_thread(server.wait_log, "muc", "Dave left", since=since)
        assert "off the record" not in text
        for c in (alice, bob, dave):
            await c.close()
    run(body())


def test_history_length(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "forgetful")
        await alice.create(room, "Alice", **{"muc#maxhistoryfetch": 2})
        for n in range(5):
            alice.say(room, "line %d" % n)
        await alice.received(is_groupchat(body="line 4"))
        _, _, _, history = await bob.enter(room, "Bob")
        assert [m["body"] for m in history] == ["line 3", "line 4"]
        await alice.close()
        await bob.close()
    run(body())


def test_configuration_changes_are_announced_and_owner_only(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "notices")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        mark = bob.mark()
        await alice.configure(room, roomname="New name")
        notice = await bob.received(lambda st: st.name == "message" and "104" in statuses(st),
                                    since=mark)
        assert str(notice["from"]) == room
        # §10.2: only owners see and change the configuration.
        form = await bob.request(room, "get", "<query xmlns='http://jabber.org/protocol/muc#owner'/>")
        assert error_condition(form) == "forbidden"
        assert error_condition(await bob.configure(room, roomname="Bob's")) == "forbidden"
        await alice.close()
        await bob.close()
    run(body())
