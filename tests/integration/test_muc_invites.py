"""Multi-user chat invitations: mediated through the room (XEP-0045
§7.8.2), with decline, and direct (XEP-0249), which only clients route -
the room admits the invitee by its own rules (members-only, password)."""

import asyncio

import pytest

from muc import (NS_CONFERENCE, NS_USER, is_error, is_muc_presence, item, muc_logins,
                 muc_suite, room_jid)
from xmpp import run


@pytest.fixture
def server(suites):
    return muc_suite(suites)


def invitation_from(room):
    return lambda st: (st.name == "message" and str(st["from"]) == room and
                       st.xml.find("{%s}x/{%s}invite" % (NS_USER, NS_USER)) is not None)


def test_mediated_invitation_and_decline(server):
    async def body():
        alice, carol = await muc_logins(server, "alice", "carol")
        room = room_jid(server, "soiree")
        await alice.create(room, "Alice")
        events = []
        carol.add_event_handler("groupchat_invite", events.append)

        mark = carol.mark()
        alice.muc.invite(room, "carol@localhost", reason="Tea at five")
        got = await carol.received(invitation_from(room), since=mark)
        invite = got.xml.find("{%s}x/{%s}invite" % (NS_USER, NS_USER))
        assert invite.get("from") == str(alice.boundjid)
        assert invite.find("{%s}reason" % NS_USER).text == "Tea at five"
        assert "Tea at five" in got["body"]
        await asyncio.sleep(0.1)
        assert len(events) == 1  # slixmpp's plugin saw a MUC invitation

        # The invitee declines through the room; the inviter hears of it.
        mark = alice.mark()
        carol.muc.decline(room, str(alice.boundjid.bare), reason="Busy brewing")
        declined = await alice.received(
            lambda st: st.name == "message" and
            st.xml.find("{%s}x/{%s}decline" % (NS_USER, NS_USER)) is not None, since=mark)
        d = declined.xml.find("{%s}x/{%s}decline" % (NS_USER, NS_USER))
        assert str(declined["from"]) == room
        assert d.get("from") == "carol@localhost"
        assert d.find("{%s}reason" % NS_USER).text == "Busy brewing"
        await alice.close()
        await carol.close()
    run(body())


def test_mediated_invitation_into_a_members_only_room(server):
    async def body():
        alice, bob, carol, dave = await muc_logins(server, "alice", "bob", "carol", "dave")
        room = room_jid(server, "inner-circle")
        await alice.create(room, "Alice", membersonly=True, roomsecret="s3cret")
        await alice.admin(room, affiliation="member", jid="bob@localhost")
        await bob.enter(room, "Bob", password="s3cret")
        assert await carol.refused(room, "Carol", password="s3cret") == "registration-required"

        # A member without the right to add members may not invite.
        mark = bob.mark()
        bob.muc.invite(room, "carol@localhost")
        await bob.received(is_error("message", "forbidden"), since=mark)

        # The owner's invitation makes the invitee a member, with the password.
        mark = carol.mark()
        alice.muc.invite(room, "carol@localhost")
        got = await carol.received(invitation_from(room), since=mark)
        assert got.xml.find("{%s}x/{%s}password" % (NS_USER, NS_USER)).text == "s3cret"
        pres, _, _, _ = await carol.enter(room, "Carol", password="s3cret")
        assert item(pres)["affiliation"] == "member"

        # Someone outside the room cannot send invitations through it.
        mark = dave.mark()
        dave.muc.invite(room, "dave@localhost")
        await dave.received(is_error("message", "not-acceptable"), since=mark)
        for c in (alice, bob, carol, dave):
            await c.close()
    run(body())


def test_direct_invitation_to_a_password_room(server):
    async def body():
        alice, bob = await muc_logins(server, "alice", "bob")
        room = room_jid(server, "speakeasy")
        await alice.create(room, "Alice", roomsecret="swordfish")
        received = []
        bob.add_event_handler("groupchat_direct_invite", received.append)

        # XEP-0249: from user to user; the room is not involved.
        mark = bob.mark()
        alice["xep_0249"].send_invitation(bob.boundjid.bare, room, password="swordfish",
                                          reason="Knock twice")
        got = await bob.received(
            lambda st: st.name == "message" and st.xml.find("{%s}x" % NS_CONFERENCE) is not None,
            since=mark)
        assert str(got["from"]) == str(alice.boundjid)
        await asyncio.sleep(0.1)
        assert received, "slixmpp did not see a direct invitation"
        invite = received[0]["groupchat_invite"]
        assert str(invite["jid"]) == room and invite["password"] == "swordfish"

        # The invitee enters with what the invitation carried.
        mark = alice.mark()
        await bob.enter(str(invite["jid"]), "Bob", password=invite["password"])
        await alice.received(is_muc_presence(room + "/Bob", type="available"), since=mark)
        await alice.close()
        await bob.close()
    run(body())


def test_direct_invitation_to_a_members_only_room(server):
    async def body():
        alice, carol = await muc_logins(server, "alice", "carol")
        room = room_jid(server, "select")
        await alice.create(room, "Alice", membersonly=True)
        received = []
        carol.add_event_handler("groupchat_direct_invite", received.append)
        alice["xep_0249"].send_invitation(carol.boundjid.bare, room, reason="Come")
        await carol.received(
            lambda st: st.name == "message" and st.xml.find("{%s}x" % NS_CONFERENCE) is not None)
        await asyncio.sleep(0.1)
        target = str(received[0]["groupchat_invite"]["jid"])
        # The room knows nothing of the invitation: not a member, not in.
        assert await carol.refused(target, "Carol") == "registration-required"
        # Once the inviter adds her to the member list, the invitation works.
        await alice.admin(room, affiliation="member", jid="carol@localhost")
        pres, _, _, _ = await carol.enter(target, "Carol")
        assert item(pres)["affiliation"] == "member"
        await alice.close()
        await carol.close()
    run(body())
