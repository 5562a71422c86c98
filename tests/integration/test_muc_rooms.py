"""Multi-user chat, the occupant's view (XEP-0045 §6, §7, §10.1): rooms
created instant and reserved, three users in a room, nicks, messages to
the room and to one occupant, the subject, history, leaving - through
router, c2s, sm and the muc daemon, with slixmpp's XEP-0045 plugin."""

import asyncio
from datetime import datetime

import pytest

from muc import (NS_USER, delay_of, others, disco_features, disco_items, is_error,
                 is_groupchat, is_muc_presence, item, leave, muc_login, muc_logins,
                 muc_suite, room_info_field, room_jid, statuses)
from xmpp import error_condition, is_message, run


@pytest.fixture
def server(suites):
    return muc_suite(suites)


def test_instant_room_with_three_occupants(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "lobby")
        created = await alice.create(room, "Alice")
        assert item(created)["affiliation"] == "owner"
        assert item(created)["role"] == "moderator"
        assert "110" in statuses(created)

        mark = alice.mark()
        pres, subject, occupants, history = await bob.enter(room, "Bob")
        assert str(pres["from"]) == room + "/Bob"
        assert statuses(pres) == ["110"]
        assert item(pres)["role"] == "participant" and item(pres)["affiliation"] == "none"
        seen_first = others(occupants, room + "/Bob")
        assert [str(o["from"]) for o in seen_first] == [room + "/Alice"]
        # §7.2.5: a semi-anonymous room shows real JIDs to moderators only.
        assert "jid" not in item(seen_first[0])
        assert subject["subject"] == "" and history == []
        seen = await alice.received(is_muc_presence(room + "/Bob", type="available"), since=mark)
        assert item(seen)["jid"] == str(bob.boundjid)

        mark = bob.mark()
        await carol.enter(room, "Carol")
        # Carol's own presence comes last to her; Bob's copy may still be
        # on its way.
        await bob.received(is_muc_presence(room + "/Carol", type="available"), since=mark)
        assert sorted(bob.muc.get_roster(room)) == ["Alice", "Bob", "Carol"]

        # §7.4: a message to the room reaches everyone, from the sender's
        # occupant JID, the sender included.
        marks = [c.mark() for c in (alice, bob, carol)]
        bob.say(room, "Hello, witches")
        for client, since in zip((alice, bob, carol), marks):
            got = await client.received(is_groupchat(body="Hello, witches"), since=since)
            assert str(got["from"]) == room + "/Bob"
            assert str(got["to"]) == str(client.boundjid)
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_reserved_room_is_configured_before_anyone_else_enters(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "reserved")
        mark = alice.mark()
        alice.send_raw("<presence to='%s/Alice'><x xmlns='http://jabber.org/protocol/muc'/>"
                       "</presence>" % room)
        created = await alice.received(is_muc_presence(room + "/Alice", self_presence=True),
                                       since=mark)
        assert "201" in statuses(created)
        alice.muc.rooms[room] = {}
        alice.muc.our_nicks[room] = "Alice"

        # §7.2.11: locked until configured; not even in disco.
        assert await bob.refused(room, "Bob") == "item-not-found"
        info = await bob.request(room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        assert error_condition(info) == "item-not-found"

        # §10.1.3: the owner asks for the form, then submits it.
        form = await alice.muc.get_room_config(room)
        fields = form.get_fields()
        form_type = fields["FORM_TYPE"]["value"]
        assert form_type in ("http://jabber.org/protocol/muc#roomconfig",
                             ["http://jabber.org/protocol/muc#roomconfig"])
        for var in ("muc#roomconfig_roomname", "muc#roomconfig_persistentroom",
                    "muc#roomconfig_membersonly", "muc#roomconfig_whois",
                    "muc#roomconfig_presencebroadcast", "muc#roomconfig_enablelogging"):
            assert var in fields, var
        answer = await alice.configure(room, roomname="The Reserved Room",
                                       roomdesc="configured first")
        assert answer["type"] == "result"

        pres, _, _, _ = await bob.enter(room, "Bob")
        assert "201" not in statuses(pres)
        info = await bob.request(room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        identity = info.xml.find("{http://jabber.org/protocol/disco#info}query/"
                                 "{http://jabber.org/protocol/disco#info}identity")
        assert identity.get("name") == "The Reserved Room"
        assert identity.get("category") == "conference"
        assert room_info_field(info, "muc#roominfo_description") == ["configured first"]
        assert room_info_field(info, "muc#roominfo_occupants") == ["2"]
        await alice.close()
        await bob.close()
    run(body())


def test_cancelling_the_first_configuration_destroys_the_room(server):
    async def body():
        alice = await muc_login(server, "alice")
        room = room_jid(server, "cancelled")
        mark = alice.mark()
        alice.send_raw("<presence to='%s/Alice'><x xmlns='http://jabber.org/protocol/muc'/>"
                       "</presence>" % room)
        await alice.received(is_muc_presence(room + "/Alice", self_presence=True), since=mark)
        answer = await alice.request(room, "set", "<query xmlns='http://jabber.org/protocol/"
                                     "muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query>")
        assert answer["type"] == "result"
        await alice.received(is_muc_presence(room + "/Alice", type="unavailable"), since=mark)
        info = await alice.request(room, "get",
                                   "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        assert error_condition(info) == "item-not-found"
        await alice.close()
    run(body())


def test_groupchat_1_0_join_makes_an_instant_room(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "oldstyle")
        mark = alice.mark()
        # §7.2.1: no MUC <x/>: the client cannot configure, so no lock.
        alice.send_raw("<presence to='%s/Alice'/>" % room)
        created = await alice.received(is_muc_presence(room + "/Alice", self_presence=True),
                                       since=mark)
        assert "201" in statuses(created)
        await bob.enter(room, "Bob")
        await alice.close()
        await bob.close()
    run(body())


def test_nick_conflict_and_nick_change(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "nicks")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")

        # §7.2.9: a nick in use is refused with <conflict/>, from that nick.
        mark = carol.mark()
        assert await carol.refused(room, "Bob") == "conflict"
        refusal = await carol.received(is_error("presence", "conflict"), since=mark)
        assert str(refusal["from"]) == room + "/Bob"
        await carol.enter(room, "Carol")

        # §7.6: unavailable from the old nick with 303 and the new nick,
        # then presence from the new one.
        marks = [c.mark() for c in (alice, bob)]
        bob.send_raw("<presence to='%s/Robert'/>" % room)
        gone = await alice.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=marks[0])
        assert "303" in statuses(gone) and item(gone)["nick"] == "Robert"
        await alice.received(is_muc_presence(room + "/Robert", type="available"), since=marks[0])
        own = await bob.received(is_muc_presence(room + "/Robert", self_presence=True),
                                 since=marks[1])
        assert item(own)["role"] == "participant"

        # Changing to a nick in use is refused, and nothing changes.
        mark = bob.mark()
        bob.send_raw("<presence to='%s/Carol'/>" % room)
        await bob.received(is_error("presence", "conflict"), since=mark)
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_presence_changes_are_reflected_to_everyone(server):
    async def body():
        alice, bob, carol, dave = await muc_logins(server, "alice", "bob", "carol", "dave")
        room = room_jid(server, "salon")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        await carol.enter(room, "Carol")

        # §7.7: a presence change goes to every occupant from the occupant
        # JID, and back to the sender with 110.
        marks = [c.mark() for c in (alice, bob, carol)]
        bob.send_presence(pto=room + "/Bob", pshow="away", pstatus="brewing")
        for client, since in zip((alice, carol), (marks[0], marks[2])):
            seen = await client.received(is_muc_presence(room + "/Bob", type="available",
                                                         self_presence=False), since=since)
            assert seen["show"] == "away" and seen["status"] == "brewing"
            assert item(seen)["role"] == "participant"
        own = await bob.received(is_muc_presence(room + "/Bob", self_presence=True),
                                 since=marks[1])
        assert own["show"] == "away" and own["status"] == "brewing"

        # A newcomer sees the occupant as it last said it was.
        _, _, occupants, _ = await dave.enter(room, "Dave")
        [bob_seen] = [o for o in occupants if str(o["from"]) == room + "/Bob"]
        assert bob_seen["show"] == "away" and bob_seen["status"] == "brewing"

        # Back again: everyone hears that too.
        mark = dave.mark()
        bob.send_presence(pto=room + "/Bob", pstatus="here")
        back = await dave.received(is_muc_presence(room + "/Bob", type="available"), since=mark)
        assert back["show"] == "" and back["status"] == "here"
        for c in (alice, bob, carol, dave):
            await c.close()
    run(body())


def test_private_messages_between_occupants(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "whispers")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        await carol.enter(room, "Carol")

        # §7.5: through occupant JIDs; the real JID stays hidden.
        mark = carol.mark()
        bob.send_message(mto=room + "/Carol", mbody="psst", mtype="chat")
        got = await carol.received(is_message(body="psst", type="chat"), since=mark)
        assert str(got["from"]) == room + "/Bob"
        assert got.xml.find("{%s}x" % NS_USER) is not None
        await alice.none_received(is_message(body="psst"), since=0, seconds=0.3)

        mark = bob.mark()
        bob.send_message(mto=room + "/Nobody", mbody="hello?", mtype="chat")
        await bob.received(is_error("message", "item-not-found"), since=mark)
        # A groupchat message to one occupant is not one (§7.5).
        bob.send_message(mto=room + "/Carol", mbody="wrong type", mtype="groupchat")
        await bob.received(is_error("message", "bad-request"), since=mark)

        # Someone outside the room cannot use it to reach an occupant.
        dave = await muc_login(server, "dave")
        mark = dave.mark()
        dave.send_message(mto=room + "/Carol", mbody="from outside", mtype="chat")
        await dave.received(is_error("message", "not-acceptable"), since=mark)
        await carol.none_received(is_message(body="from outside"), seconds=0.3)
        for c in (alice, bob, carol, dave):
            await c.close()
    run(body())


def test_subject_is_set_changed_and_sent_on_entry(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "topics")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")

        mark = bob.mark()
        alice.muc.set_subject(room, "Spells")
        got = await bob.received(lambda st: st.name == "message" and st["subject"] == "Spells",
                                 since=mark)
        assert str(got["from"]) == room + "/Alice"

        # §7.2.16: a newcomer gets the subject last, from who set it.
        _, subject, _, _ = await carol.enter(room, "Carol")
        assert subject["subject"] == "Spells"
        assert str(subject["from"]) == room + "/Alice"

        # §8.1: by default only moderators change it.
        mark = bob.mark()
        bob.muc.set_subject(room, "Hijacked")
        await bob.received(is_error("message", "forbidden"), since=mark)
        alice.muc.set_subject(room, "Potions")
        await carol.received(lambda st: st.name == "message" and st["subject"] == "Potions")
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_history_on_rejoin_with_delay(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "memories")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        # Two lines, a pause longer than the stamps' resolution, two more:
        # 'since' the third line's stamp separates them.
        for n in range(2):
            alice.say(room, "line %d" % n)
        await bob.received(is_groupchat(body="line 1"))
        await asyncio.sleep(1.1)
        for n in range(2, 4):
            alice.say(room, "line %d" % n)
        await bob.received(is_groupchat(body="line 3"))
        await leave(bob, room, "Bob")

        _, _, _, history = await bob.enter(room, "Bob", maxstanzas=2)
        assert [m["body"] for m in history] == ["line 2", "line 3"]
        for m in history:
            delay = delay_of(m)
            assert delay is not None and delay.get("from") == room
            assert delay.get("stamp").endswith("Z")
            assert str(m["from"]) == room + "/Alice"
        await leave(bob, room, "Bob")

        # maxchars='0': no history at all; seconds: only the recent ones.
        _, _, _, history = await bob.enter(room, "Bob", maxchars=0)
        assert history == []
        await leave(bob, room, "Bob")
        _, _, _, history = await bob.enter(room, "Bob", seconds=3600)
        assert [m["body"] for m in history] == ["line 0", "line 1", "line 2", "line 3"]
        third = datetime.fromisoformat(delay_of(history[2]).get("stamp").replace("Z", "+00:00"))
        await leave(bob, room, "Bob")
        _, _, _, history = await bob.enter(room, "Bob", since=third)
        assert [m["body"] for m in history] == ["line 2", "line 3"]
        await alice.close()
        await bob.close()
    run(body())


def test_leaving_and_the_end_of_a_temporary_room(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "brief")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        mark = alice.mark()
        bob.muc.leave_muc(room, "Bob", msg="off to bed")
        gone = await alice.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=mark)
        assert item(gone)["role"] == "none"
        assert gone["status"] == "off to bed"

        # §4.2: a temporary room is destroyed when its last occupant leaves.
        items = disco_items(await bob.request(server.muc_service(), "get",
                                              "<query xmlns='http://jabber.org/protocol/disco#items'/>"))
        assert room in items
        alice.muc.leave_muc(room, "Alice")
        await alice.received(is_muc_presence(room + "/Alice", type="unavailable"), since=mark)
        info = await bob.request(room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        assert error_condition(info) == "item-not-found"
        # A client that goes offline without leaving leaves anyway: its
        # server sends the unavailable presence for it (RFC 6121 §4.6.3).
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        mark = alice.mark()
        await bob.close()
        await alice.received(is_muc_presence(room + "/Bob", type="unavailable"), since=mark)
        await alice.close()
    run(body())


def test_an_error_from_an_occupant_removes_it(server):
    async def body():
        alice, bob, carol = await muc_logins(server, "alice", "bob", "carol")
        room = room_jid(server, "fragile-links")
        await alice.create(room, "Alice")
        await bob.enter(room, "Bob")
        await carol.enter(room, "Carol")
        error = ("<error type='cancel'><%s xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                 "</error>")

        # An error that says nothing about delivery leaves Bob where he is.
        mark = alice.mark()
        bob.send_raw("<message to='%s' type='error'>%s</message>"
                     % (room, error % "internal-server-error"))
        bob.say(room, "still here")
        await alice.received(is_groupchat(frm=room + "/Bob", body="still here"), since=mark)
        await alice.none_received(is_muc_presence(room + "/Bob", type="unavailable"),
                                  since=mark, seconds=0.2)

        # A message error saying the occupant cannot be reached removes it,
        # with 333 for everyone (XEP-0045 §7.14, status 333).
        bob.send_raw("<message to='%s' type='error'>%s</message>"
                     % (room, error % "recipient-unavailable"))
        gone = await alice.received(is_muc_presence(room + "/Bob", type="unavailable"),
                                    since=mark)
        assert "333" in statuses(gone) and item(gone)["role"] == "none"

        # So does a presence error from an occupant's address.
        mark = alice.mark()
        carol.send_raw("<presence to='%s/Carol' type='error'>%s</presence>"
                       % (room, error % "remote-server-not-found"))
        gone = await alice.received(is_muc_presence(room + "/Carol", type="unavailable"),
                                    since=mark)
        assert "333" in statuses(gone)
        for c in (alice, bob, carol):
            await c.close()
    run(body())


def test_service_and_room_discovery(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        service = server.muc_service()
        info = await bob.request(service, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        assert "http://jabber.org/protocol/muc" in disco_features(info)
        identity = info.xml.find("{http://jabber.org/protocol/disco#info}query/"
                                 "{http://jabber.org/protocol/disco#info}identity")
        assert identity.get("category") == "conference" and identity.get("type") == "text"

        room = room_jid(server, "found")
        await alice.create(room, "Alice", roomname="Found Room")
        items = disco_items(await bob.request(service, "get",
                                              "<query xmlns='http://jabber.org/protocol/disco#items'/>"))
        assert items == {room: "Found Room"}
        features = disco_features(await bob.request(
            room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>"))
        assert {"http://jabber.org/protocol/muc", "muc_public", "muc_temporary", "muc_open",
                "muc_unmoderated", "muc_unsecured", "muc_semianonymous"} <= features
        # A room that does not exist.
        missing = await bob.request(room_jid(server, "nowhere"), "get",
                                    "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        assert error_condition(missing) == "item-not-found"
        await alice.close()
        await bob.close()
    run(body())


def test_one_process_serves_several_services(suites):
    # muc.xml has a <service/> per domain here: conference.localhost and
    # conference.example.net, each a component of its own at the router.
    server = muc_suite(suites, domains=("localhost", "example.net"))

    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        here, there = server.muc_service(), server.muc_service("example.net")
        for service in (here, there):
            info = await bob.request(service, "get",
                                     "<query xmlns='http://jabber.org/protocol/disco#info'/>")
            assert str(info["from"]) == service
            assert "http://jabber.org/protocol/muc" in disco_features(info)

        # One name at two services is two rooms, each listed by its own.
        tea_here, tea_there = "tea@" + here, "tea@" + there
        await alice.create(tea_here, "Alice", roomname="Tea here")
        await alice.create(tea_there, "Alice", roomname="Tea there")
        for service, room, name in ((here, tea_here, "Tea here"),
                                    (there, tea_there, "Tea there")):
            items = disco_items(await bob.request(
                service, "get", "<query xmlns='http://jabber.org/protocol/disco#items'/>"))
            assert items == {room: name}

        pres, _, occupants, _ = await bob.enter(tea_there, "Bob")
        assert [str(o["from"]) for o in others(occupants, tea_there + "/Bob")] == \
            [tea_there + "/Alice"]
        mark = alice.mark()
        bob.say(tea_there, "over there")
        await alice.received(is_groupchat(frm=tea_there + "/Bob", body="over there"), since=mark)
        await alice.none_received(lambda st: str(st["from"]).startswith(tea_here + "/Bob"),
                                  since=mark, seconds=0.3)
        # Bob is in one of them only.
        mark = bob.mark()
        bob.say(tea_here, "wrong room")
        await bob.received(is_error("message", "not-acceptable", frm=tea_here), since=mark)
        await alice.close()
        await bob.close()
    run(body())
