"""Multi-user chat across restarts of the muc daemon: persistent rooms come
back from storage with their configuration, subject and affiliations;
occupants do not (muc/README.md, "Restarts"). A graceful stop tells every
occupant with status 332; after a crash clients learn it from the error to
their next message, and enter again."""

import signal

import pytest

from muc import (disco_features, disco_items, is_error, is_groupchat, is_muc_presence, item,
                 muc_logins, muc_suite, room_info_field, room_jid, statuses)
from xmpp import error_condition, run

DISCO_INFO = "<query xmlns='http://jabber.org/protocol/disco#info'/>"
DISCO_ITEMS = "<query xmlns='http://jabber.org/protocol/disco#items'/>"


@pytest.fixture
def server(suites):
    return muc_suite(suites)


def restart_muc(server, sig=signal.SIGTERM):
    server.stop("muc", sig=sig)
    server.start("muc")


def test_persistent_rooms_survive_a_restart(server):
    async def body():
        alice, bob, carol, dave = await muc_logins(server, "alice", "bob", "carol", "dave")
        room = room_jid(server, "archive")
        fleeting = room_jid(server, "fleeting")
        await alice.create(room, "Alice", persistentroom=True, roomname="The Archive",
                           roomdesc="kept", membersonly=True, moderatedroom=True,
                           roomsecret="ink", whois="anyone", publicroom=False)
        await alice.create(fleeting, "Alice")
        await alice.admin(room, affiliation="member", jid="bob@localhost")
        await alice.admin(room, affiliation="admin", jid="carol@localhost")
        await alice.admin(room, affiliation="outcast", jid="dave@localhost", reason="ink thief")
        alice.muc.set_subject(room, "Old scrolls")
        await alice.received(lambda st: st.name == "message" and st["subject"] == "Old scrolls")
        alice.say(room, "not kept")
        await alice.received(is_groupchat(body="not kept"))

        restart_muc(server)

        features = disco_features(await bob.request(room, "get", DISCO_INFO))
        assert {"muc_persistent", "muc_membersonly", "muc_moderated", "muc_passwordprotected",
                "muc_nonanonymous", "muc_hidden"} <= features
        info = await bob.request(room, "get", DISCO_INFO)
        assert room_info_field(info, "muc#roominfo_description") == ["kept"]
        assert room_info_field(info, "muc#roominfo_occupants") == ["0"]
        # The temporary room died with the process.
        assert error_condition(await bob.request(fleeting, "get", DISCO_INFO)) == "item-not-found"

        # Affiliations, subject and configuration are back; history is not.
        pres, subject, _, history = await alice.enter(room, "Alice", password="ink")
        assert item(pres)["affiliation"] == "owner"
        assert subject["subject"] == "Old scrolls" and str(subject["from"]) == room + "/Alice"
        assert history == []
        pres, _, _, _ = await bob.enter(room, "Bob", password="ink")
        assert item(pres)["affiliation"] == "member" and item(pres)["role"] == "participant"
        pres, _, _, _ = await carol.enter(room, "Carol", password="ink")
        assert item(pres)["affiliation"] == "admin" and item(pres)["role"] == "moderator"
        assert await dave.refused(room, "Dave", password="ink") == "forbidden"
        assert await carol.affiliations(room, "outcast") == ["dave@localhost"]
        form = await alice.muc.get_room_config(room)
        assert form.get_fields()["muc#roomconfig_roomname"]["value"] == "The Archive"

        # A change after the restart is stored as well.
        await alice.configure(room, publicroom=True)
        restart_muc(server)
        assert room in disco_items(await bob.request(server.muc_service(), "get", DISCO_ITEMS))
        for c in (alice, bob, carol, dave):
            await c.close()
    run(body())


def test_graceful_stop_tells_occupants_332(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        kept = room_jid(server, "kept")
        temporary = room_jid(server, "temporary")
        await alice.create(kept, "Alice", persistentroom=True)
        await alice.create(temporary, "Alice")
        await bob.enter(kept, "Bob")
        await bob.enter(temporary, "Bob")

        marks = alice.mark(), bob.mark()
        server.stop("muc")
        # §15.6 332: each occupant is told it left because the service is
        # shutting down, in every room it was in.
        for client, since in zip((alice, bob), marks):
            nick = client.boundjid.user.capitalize()
            for room in (kept, temporary):
                gone = await client.received(
                    is_muc_presence(room + "/" + nick, type="unavailable"), since=since)
                assert statuses(gone) == ["332", "110"]
                assert item(gone)["role"] == "none"
        server.start("muc")

        # The persistent room is back, empty; nobody is in it any more.
        info = await bob.request(kept, "get", DISCO_INFO)
        assert room_info_field(info, "muc#roominfo_occupants") == ["0"]
        mark = bob.mark()
        bob.say(kept, "anyone?")
        await bob.received(is_error("message", "not-acceptable"), since=mark)
        # Entering again works as before.
        await alice.enter(kept, "Alice")
        await bob.enter(kept, "Bob")
        bob.say(kept, "back again")
        await alice.received(is_groupchat(frm=kept + "/Bob", body="back again"))
        await alice.close()
        await bob.close()
    run(body())


def test_after_a_crash_clients_learn_from_an_error_and_enter_again(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "fragile")
        await alice.create(room, "Alice", persistentroom=True)
        await bob.enter(room, "Bob")

        marks = alice.mark(), bob.mark()
        restart_muc(server, sig=signal.SIGKILL)
        # No goodbye after a crash.
        await bob.none_received(is_muc_presence(room + "/Bob", type="unavailable"),
                                since=marks[1], seconds=0.5)
        # §7.4: the room no longer knows them: not-acceptable, which tells
        # a client to enter again.
        bob.say(room, "still here?")
        await bob.received(is_error("message", "not-acceptable"), since=marks[1])
        await alice.none_received(is_groupchat(body="still here?"), since=marks[0], seconds=0.3)
        pres, _, _, _ = await alice.enter(room, "Alice")
        assert item(pres)["affiliation"] == "owner"
        await bob.enter(room, "Bob")
        bob.say(room, "there we are")
        await alice.received(is_groupchat(frm=room + "/Bob", body="there we are"))
        await alice.close()
        await bob.close()
    run(body())
