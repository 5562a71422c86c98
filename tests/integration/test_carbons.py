"""Message carbons (XEP-0280): a resource that enables them gets a copy of
the chat messages its user's other resources send (<sent/>) and receive
(<received/>), unless the sender marked the message <private/> or
<no-copy/>, and never a second copy of a message it got itself."""

from slixmpp.xmlstream import ET

from xmpp import Client, is_message, run

ALICE, BOB = "alice@localhost", "bob@localhost"
NS_CARBONS = "urn:xmpp:carbons:2"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"


def users(suite, *names):
    for name in names:
        suite.add_user(name, "pw")


async def online(suite, jid, carbons=False, priority=None):
    """A client with slixmpp's XEP-0280 plugin, carbons enabled if asked."""
    client = Client(suite, jid, "pw", priority=priority)
    client.register_plugin("xep_0280")
    await client.login()
    if carbons:
        result = await client["xep_0280"].enable()
        assert result["type"] == "result"
    return client


def carbon(kind, body=None):
    """A <sent/> or <received/> carbon from the user's own bare JID; with
    `body`, only one whose forwarded message has that body."""
    def match(st):
        if st.name != "message" or str(st["from"]) != st["to"].bare:
            return False
        inner = st.xml.find("{%s}%s/{%s}forwarded/{jabber:client}message"
                            % (NS_CARBONS, kind, NS_FORWARD))
        if inner is None:
            return False
        return body is None or inner.findtext("{jabber:client}body") == body
    return match


def inner(st, kind):
    return st.xml.find("{%s}%s/{%s}forwarded/{jabber:client}message" % (NS_CARBONS, kind, NS_FORWARD))


def any_carbon(st):
    return carbon("sent")(st) or carbon("received")(st)


def write(sender, to, body, type="chat", extra=None):
    msg = sender.make_message(mto=to, mbody=body, mtype=type)
    if extra:
        msg.append(ET.fromstring(extra))
    msg.send()
    return msg


def test_sent_and_received_chat_copied_to_other_resources(suite):
    users(suite, "alice", "bob")

    async def body():
        phone = await online(suite, ALICE + "/phone", carbons=True)
        desk = await online(suite, ALICE + "/desk", carbons=True)
        tablet = await online(suite, ALICE + "/tablet")  # carbons not enabled
        bob = await online(suite, BOB + "/desk")
        p, d, t = phone.mark(), desk.mark(), tablet.mark()

        # Sent from the phone: the desk gets a <sent/> copy.
        write(phone, BOB + "/desk", "sent from my phone")
        await bob.received(is_message(frm=ALICE + "/phone", body="sent from my phone"))
        got = await desk.received(carbon("sent", "sent from my phone"), since=d)
        assert got["from"] == ALICE
        assert got["to"] == ALICE + "/desk"
        forwarded = inner(got, "sent")
        assert forwarded.get("from") == ALICE + "/phone"
        assert forwarded.get("to") == BOB + "/desk"
        assert forwarded.get("type") == "chat"

        # Received by the phone (to its full JID): the desk gets a
        # <received/> copy.
        write(bob, ALICE + "/phone", "for your phone")
        await phone.received(is_message(frm=BOB + "/desk", body="for your phone"), since=p)
        got = await desk.received(carbon("received", "for your phone"), since=d)
        forwarded = inner(got, "received")
        assert forwarded.get("from") == BOB + "/desk"
        assert forwarded.get("to") == ALICE + "/phone"

        # Neither the sender nor the resource without carbons gets copies.
        await phone.none_received(any_carbon, since=p, seconds=1.0)
        await tablet.none_received(any_carbon, since=t, seconds=0.1)
        await tablet.none_received(is_message(body="for your phone"), since=t, seconds=0.1)
        for c in (phone, desk, tablet, bob):
            await c.close()

    run(body())


def test_bare_jid_message_is_not_copied_to_a_resource_that_got_it(suite):
    users(suite, "alice", "bob")

    async def body():
        phone = await online(suite, ALICE + "/phone", carbons=True, priority=5)
        desk = await online(suite, ALICE + "/desk", carbons=True, priority=5)
        laptop = await online(suite, ALICE + "/laptop", carbons=True, priority=1)
        bob = await online(suite, BOB + "/desk")
        p, d, l = phone.mark(), desk.mark(), laptop.mark()
        # To the bare JID: phone and desk tie at the top and both get it
        # (RFC 6121 §8.5.2.1.1); only the laptop needs a copy.
        write(bob, ALICE, "to all of you")
        for c, m in ((phone, p), (desk, d)):
            await c.received(is_message(frm=BOB + "/desk", body="to all of you"), since=m)
        await laptop.received(carbon("received", "to all of you"), since=l)
        await laptop.none_received(is_message(frm=BOB + "/desk"), since=l, seconds=0.5)
        for c, m in ((phone, p), (desk, d)):
            await c.none_received(any_carbon, since=m, seconds=0.5)
        for c in (phone, desk, laptop, bob):
            await c.close()

    run(body())


def test_private_and_no_copy_hints_are_respected(suite):
    users(suite, "alice", "bob")

    async def body():
        phone = await online(suite, ALICE + "/phone", carbons=True)
        desk = await online(suite, ALICE + "/desk", carbons=True)
        bob = await online(suite, BOB + "/desk")
        d = desk.mark()
        # XEP-0280 §7 and XEP-0334 §4.4, sending and receiving.
        write(phone, BOB, "private", extra="<private xmlns='urn:xmpp:carbons:2'/>")
        write(phone, BOB, "no copy", extra="<no-copy xmlns='urn:xmpp:hints'/>")
        write(bob, ALICE + "/phone", "private in", extra="<private xmlns='urn:xmpp:carbons:2'/>")
        write(bob, ALICE + "/phone", "no copy in", extra="<no-copy xmlns='urn:xmpp:hints'/>")
        # Not copied either: headlines, errors, groupchat, normal messages
        # without a body.
        write(bob, ALICE + "/phone", "headline", type="headline")
        write(phone, BOB, "headline out", type="headline")
        write(phone, BOB, None, type="normal",
              extra="<active xmlns='http://jabber.org/protocol/chatstates'/>")
        for text in ("private", "no copy", "headline out"):
            await bob.received(is_message(frm=ALICE + "/phone", body=text))
        for text in ("private in", "no copy in", "headline"):
            await phone.received(is_message(frm=BOB + "/desk", body=text))
        # An ordinary message after them all: its copy is the only one.
        write(phone, BOB, "ordinary")
        await desk.received(carbon("sent", "ordinary"), since=d)
        copies = [st for st in desk.seen[d:] if any_carbon(st)]
        assert len(copies) == 1, copies
        for c in (phone, desk, bob):
            await c.close()

    run(body())


def test_disabled_resource_gets_no_copies(suite):
    users(suite, "alice", "bob")

    async def body():
        phone = await online(suite, ALICE + "/phone", carbons=True)
        desk = await online(suite, ALICE + "/desk", carbons=True)
        bob = await online(suite, BOB + "/desk")
        # The feature is advertised by the server (XEP-0280 §3).
        info = await phone["xep_0030"].get_info(jid="localhost")
        assert NS_CARBONS in info["disco_info"]["features"]

        d = desk.mark()
        write(phone, BOB, "one")
        await desk.received(carbon("sent", "one"), since=d)
        result = await desk["xep_0280"].disable()
        assert result["type"] == "result"
        d = desk.mark()
        write(phone, BOB, "two")
        write(bob, ALICE + "/phone", "three")
        await bob.received(is_message(frm=ALICE + "/phone", body="two"))
        await phone.received(is_message(frm=BOB + "/desk", body="three"))
        await desk.none_received(any_carbon, since=d, seconds=1.0)
        # Enabled again, copies come again.
        result = await desk["xep_0280"].enable()
        assert result["type"] == "result"
        write(bob, ALICE + "/phone", "four")
        await desk.received(carbon("received", "four"), since=d)
        for c in (phone, desk, bob):
            await c.close()

    run(body())
