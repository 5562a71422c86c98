"""The blocking command (XEP-0191) through the real sm: the blocklist, block
and unblock (one JID, several, all) with pushes to the resources that asked
for the blocklist; what a blocked contact gets - the user going offline,
errors for messages and iq, silence for presence, no offline storage, no
answer to a probe -; what the user gets sending to them; that unblocking
restores presence and delivery; that the blocklist holds over privacy lists
and spares the user's own resources and server; and bad input."""

import asyncio

from slixmpp.xmlstream import ET

from xmpp import (error_condition, is_message, is_presence, is_roster_push, login, roster_items,
                  run, stored_rows)

ALICE, BOB, CAROL = "alice@localhost", "bob@localhost", "carol@localhost"
NS_BLOCKING = "urn:xmpp:blocking"
NS_BLOCKING_ERRORS = "urn:xmpp:blocking:errors"
NS_PRIVACY = "jabber:iq:privacy"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_PING = "urn:xmpp:ping"


def users(suite, *names):
    for name in names:
        suite.add_user(name, "pw")


async def online(suite, jid, **kw):
    """An available client that leaves subscription requests to the test."""
    return await login(suite, jid, "pw", auto_authorize=None, **kw)


async def command(client, type, xml):
    """An iq of `type` to the user's own account with a literal payload."""
    iq = client.Iq()
    iq["type"] = type
    iq.append(ET.fromstring(xml))
    return await client.query(iq)


async def blocklist(client):
    """The blocklist, as a list of JIDs; the session now gets pushes."""
    answer = await command(client, "get", "<blocklist xmlns='%s'/>" % NS_BLOCKING)
    assert answer["type"] == "result", answer
    return [i.get("jid") for i in answer.xml.find("{%s}blocklist" % NS_BLOCKING)]


def items(*jids):
    return "".join("<item jid='%s'/>" % j for j in jids)


async def block(client, *jids):
    answer = await command(client, "set", "<block xmlns='%s'>%s</block>" % (NS_BLOCKING, items(*jids)))
    assert answer["type"] == "result", answer


async def unblock(client, *jids):
    answer = await command(client, "set",
                           "<unblock xmlns='%s'>%s</unblock>" % (NS_BLOCKING, items(*jids)))
    assert answer["type"] == "result", answer


def is_push(name, *jids):
    """A block or unblock push (XEP-0191 §3.3 - §3.5) with exactly `jids`."""
    def match(st):
        if st.name != "iq" or st["type"] != "set":
            return False
        payload = st.xml.find("{%s}%s" % (NS_BLOCKING, name))
        return payload is not None and [i.get("jid") for i in payload] == list(jids)
    return match


def is_error(kind, frm, condition):
    def match(st):
        return (st.name == kind and st["type"] == "error" and str(st["from"]) == frm
                and error_condition(st) == condition)
    return match


def from_(jid):
    """Anything from `jid` or one of its resources."""
    return lambda st: str(st["from"]).split("/")[0] == jid


def write(sender, to, body, type="chat"):
    sender.make_message(mto=to, mbody=body, mtype=type).send()


async def request(client, to, payload_xml, type="get"):
    iq = client.Iq()
    iq["type"] = type
    iq["to"] = to
    iq.append(ET.fromstring(payload_xml))
    return await client.query(iq)


async def befriend(a, b):
    """Mutual subscription between two online clients."""
    ma, mb = a.mark(), b.mark()
    a.send_presence(pto=b.boundjid.bare, ptype="subscribe")
    await b.received(is_presence(a.boundjid.bare, "subscribe"), since=mb)
    b.send_presence(pto=a.boundjid.bare, ptype="subscribed")
    b.send_presence(pto=a.boundjid.bare, ptype="subscribe")
    await a.received(is_presence(b.boundjid.bare, "subscribe"), since=ma)
    a.send_presence(pto=b.boundjid.bare, ptype="subscribed")
    for me, other, mark in ((a, b, ma), (b, a, mb)):
        await me.received(lambda st: is_roster_push(other.boundjid.bare)(st) and
                          roster_items(st)[0]["subscription"] == "both", since=mark,
                          what="push of a mutual subscription")
        await me.received(is_presence(str(other.boundjid), "available"), since=mark)


# ---- the blocklist -----------------------------------------------------------------------


def test_blocklist_and_pushes(suite):
    users(suite, "alice")

    async def body():
        phone = await online(suite, ALICE + "/phone")
        laptop = await online(suite, ALICE + "/laptop")
        tablet = await online(suite, ALICE + "/tablet")  # never asks for the blocklist
        disco = await request(phone, "localhost", "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert NS_BLOCKING in [f.get("var") for f in disco.xml.iter("{%s}feature" % NS_DISCO_INFO)]
        assert await blocklist(phone) == []
        assert await blocklist(laptop) == []

        # §3.3: a block, pushed to every resource that asked for the list.
        p, l, t = phone.mark(), laptop.mark(), tablet.mark()
        await block(phone, BOB)
        await phone.received(is_push("block", BOB), since=p, what="block push")
        await laptop.received(is_push("block", BOB), since=l, what="block push")
        await tablet.none_received(is_push("block", BOB), since=t)

        # Several at once, normalized.
        l = laptop.mark()
        await block(phone, "Carol@LocalHost", "Example.ORG")
        await laptop.received(is_push("block", CAROL, "example.org"), since=l)
        assert await blocklist(tablet) == [BOB, CAROL, "example.org"]
        assert stored_rows(suite, "privacy-items", ALICE) == 3
        # Blocking again changes nothing.
        await block(laptop, BOB)
        assert await blocklist(phone) == [BOB, CAROL, "example.org"]

        # The blocklist is no privacy list (docs/privacy.md).
        names = await command(phone, "get", "<query xmlns='%s'/>" % NS_PRIVACY)
        assert list(names.xml.find("{%s}query" % NS_PRIVACY)) == []

        # §3.4: unblocking one.
        p, l, t = phone.mark(), laptop.mark(), tablet.mark()
        await unblock(laptop, CAROL)
        for c, m in ((phone, p), (laptop, l), (tablet, t)):
            await c.received(is_push("unblock", CAROL), since=m, what="unblock push")
        assert await blocklist(phone) == [BOB, "example.org"]

        # §3.5: unblocking everyone.
        p, l = phone.mark(), laptop.mark()
        await unblock(phone)
        await phone.received(is_push("unblock"), since=p)
        await laptop.received(is_push("unblock"), since=l)
        assert await blocklist(laptop) == []
        assert stored_rows(suite, "privacy-items", ALICE) == 0
        for c in (phone, laptop, tablet):
            await c.close()

    run(body())


# ---- what a block does -------------------------------------------------------------------


def test_blocked_contact(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        carol = await online(suite, CAROL + "/home")
        await befriend(alice, bob)

        # §3.3: bob sees alice go offline.
        b = bob.mark()
        await block(alice, BOB)
        await bob.received(is_presence(ALICE + "/phone", "unavailable"), since=b)

        # His message and iq get service-unavailable; his presence nothing.
        a, b = alice.mark(), bob.mark()
        write(bob, ALICE, "why?")
        await bob.received(is_error("message", ALICE, "service-unavailable"), since=b)
        answer = await request(bob, ALICE + "/phone", "<ping xmlns='%s'/>" % NS_PING)
        assert error_condition(answer) == "service-unavailable"
        answer = await request(bob, ALICE, "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert error_condition(answer) == "service-unavailable"
        bob.send_presence(pstatus="please")
        bob.send_presence(pto=ALICE, ptype="subscribe")
        await alice.none_received(from_(BOB), since=a, seconds=0.8)
        await bob.none_received(is_presence(type="error"), since=b)

        # What alice sends him comes back not-acceptable, with <blocked/>.
        a, b = alice.mark(), bob.mark()
        write(alice, BOB, "go away")
        refused = await alice.received(is_error("message", BOB, "not-acceptable"), since=a)
        assert refused.xml.find("{jabber:client}error/{%s}blocked" % NS_BLOCKING_ERRORS) is not None
        answer = await request(alice, BOB + "/desk", "<ping xmlns='%s'/>" % NS_PING)
        assert error_condition(answer) == "not-acceptable"
        alice.send_presence(pstatus="not for bob")
        alice.send_presence(pto=BOB + "/desk", pstatus="directed")
        await alice.received(is_error("presence", BOB + "/desk", "not-acceptable"), since=a)
        await bob.none_received(from_(ALICE), since=b, seconds=0.8)

        # Others are not affected.
        c = carol.mark()
        write(carol, ALICE, "hello alice")
        await alice.received(is_message(frm=CAROL + "/home", body="hello alice"), since=a)
        write(alice, CAROL, "hello carol")
        await carol.received(is_message(body="hello carol"), since=c)

        # Offline: bob's messages are refused and not stored.
        await alice.close()
        b = bob.mark()
        write(bob, ALICE, "later then")
        await bob.received(is_error("message", ALICE, "service-unavailable"), since=b)
        await asyncio.sleep(0.3)
        assert stored_rows(suite, "queue", ALICE) == 0

        # A probe from him gets no answer, whether she is online or not.
        await bob.close()
        bob = await online(suite, BOB + "/desk")
        await bob.none_received(from_(ALICE), seconds=1.0)
        alice = await online(suite, ALICE + "/phone")
        await bob.none_received(from_(ALICE), seconds=0.5)
        # The block outlives the session (§3.3).
        assert await blocklist(alice) == [BOB]
        for cl in (alice, bob, carol):
            await cl.close()

    run(body())


def test_unblock_restores_presence_and_delivery(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        await befriend(alice, bob)
        alice.send_presence(pstatus="reading")
        await bob.received(is_presence(ALICE + "/phone", "available"))
        await block(alice, BOB)

        # §3.4: bob gets her current presence back, and she his (he is
        # probed again).
        a, b = alice.mark(), bob.mark()
        await unblock(alice, BOB)
        back = await bob.received(is_presence(ALICE + "/phone", "available"), since=b)
        assert back["status"] == "reading"
        await alice.received(is_presence(BOB + "/desk", "available"), since=a)

        write(bob, ALICE, "friends?")
        await alice.received(is_message(frm=BOB + "/desk", body="friends?"), since=a)
        write(alice, BOB, "friends.")
        await bob.received(is_message(frm=ALICE + "/phone", body="friends."), since=b)
        answer = await request(bob, ALICE + "/phone", "<ping xmlns='%s'/>" % NS_PING)
        assert answer["type"] == "result"

        # Unblocking everyone works the same way.
        await block(alice, BOB)
        b = bob.mark()
        await unblock(alice)
        await bob.received(is_presence(ALICE + "/phone", "available"), since=b)
        for cl in (alice, bob):
            await cl.close()

    run(body())


def test_blocklist_holds_over_privacy_lists_and_spares_own_resources(suite):
    users(suite, "alice", "bob")

    async def body():
        phone = await online(suite, ALICE + "/phone")
        laptop = await online(suite, ALICE + "/laptop")
        bob = await online(suite, BOB + "/desk")
        # A privacy list that allows everything, active on the phone: the
        # blocklist still applies (docs/privacy.md).
        answer = await command(phone, "set", "<query xmlns='%s'><list name='open'><item "
                                             "action='allow' order='1'/></list></query>"
                               % NS_PRIVACY)
        assert answer["type"] == "result"
        answer = await command(phone, "set", "<query xmlns='%s'><active name='open'/></query>"
                               % NS_PRIVACY)
        assert answer["type"] == "result"

        # Blocking the whole domain: bob with it, but not alice's own
        # resources, nor the server.
        await block(phone, "localhost")
        b = bob.mark()
        write(bob, ALICE + "/phone", "through the open list?")
        await bob.received(is_error("message", ALICE + "/phone", "service-unavailable"), since=b)
        l = laptop.mark()
        write(phone, ALICE + "/laptop", "note to self")
        await laptop.received(is_message(frm=ALICE + "/phone", body="note to self"), since=l)
        disco = await request(phone, "localhost", "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert disco["type"] == "result"
        for cl in (phone, laptop, bob):
            await cl.close()

    run(body())


# ---- bad input ---------------------------------------------------------------------------


def test_bad_block_commands(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        cases = (("<block xmlns='%s'/>" % NS_BLOCKING, "bad-request"),
                 ("<block xmlns='%s'><item/></block>" % NS_BLOCKING, "bad-request"),
                 ("<block xmlns='%s'><item jid='a@b@c'/></block>" % NS_BLOCKING, "jid-malformed"),
                 ("<block xmlns='%s'><thing jid='x@y'/></block>" % NS_BLOCKING, "bad-request"),
                 ("<unblock xmlns='%s'><item jid='@nowhere'/></unblock>" % NS_BLOCKING,
                  "jid-malformed"))
        for xml, condition in cases:
            answer = await command(alice, "set", xml)
            assert error_condition(answer) == condition, xml
        assert await blocklist(alice) == []
        assert stored_rows(suite, "privacy-items", ALICE) == 0

        # Nobody but alice sees or changes her blocklist.
        answer = await request(bob, ALICE, "<blocklist xmlns='%s'/>" % NS_BLOCKING)
        assert error_condition(answer) == "service-unavailable"
        answer = await request(bob, ALICE, "<block xmlns='%s'>%s</block>"
                               % (NS_BLOCKING, items(BOB)), type="set")
        assert error_condition(answer) == "service-unavailable"
        assert await blocklist(alice) == []
        for cl in (alice, bob):
            await cl.close()

    run(body())
