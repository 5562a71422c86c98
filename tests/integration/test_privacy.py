"""Privacy lists (XEP-0016) through the real sm: lists kept, changed and
removed with a push to every resource; what a list refuses - by JID, by
roster group, by subscription - for messages, iq and presence both ways,
with the errors the sender gets; that a refused message is not stored
offline and a denied contact's probe is not answered; the active list of a
session against the user's default list, and the conflicts when another
resource uses a list; and bad input."""

import asyncio
import time

from slixmpp.xmlstream import ET

from xmpp import (NS_ROSTER, error_condition, is_message, is_presence, is_roster_push, login,
                  roster_items, run, stored_rows)

ALICE, BOB, CAROL = "alice@localhost", "bob@localhost", "carol@localhost"
NS_PRIVACY = "jabber:iq:privacy"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_PING = "urn:xmpp:ping"


def users(suite, *names):
    for name in names:
        suite.add_user(name, "pw")


async def online(suite, jid, **kw):
    """An available client that leaves subscription requests to the test."""
    return await login(suite, jid, "pw", auto_authorize=None, **kw)


async def privacy(client, type, inner=""):
    """A jabber:iq:privacy get or set with literal content; the answer."""
    iq = client.Iq()
    iq["type"] = type
    iq.append(ET.fromstring("<query xmlns='%s'>%s</query>" % (NS_PRIVACY, inner)))
    return await client.query(iq)


async def ok(client, inner):
    """A privacy set that must succeed."""
    answer = await privacy(client, "set", inner)
    assert answer["type"] == "result", answer
    return answer


async def request(client, to, payload_xml, type="get"):
    iq = client.Iq()
    iq["type"] = type
    iq["to"] = to
    iq.append(ET.fromstring(payload_xml))
    return await client.query(iq)


def names_of(answer):
    """(active, default, [list names]) of a list-names result."""
    query = answer.xml.find("{%s}query" % NS_PRIVACY)
    active = query.find("{%s}active" % NS_PRIVACY)
    default = query.find("{%s}default" % NS_PRIVACY)
    return (active.get("name") if active is not None else None,
            default.get("name") if default is not None else None,
            [e.get("name") for e in query.findall("{%s}list" % NS_PRIVACY)])


def items_of(answer):
    """The items of the one list in a result, as (attributes, kinds)."""
    [lst] = answer.xml.find("{%s}query" % NS_PRIVACY).findall("{%s}list" % NS_PRIVACY)
    return [(dict(item.attrib), [k.tag.split("}")[1] for k in item])
            for item in lst.findall("{%s}item" % NS_PRIVACY)]


def is_privacy_push(name):
    """A privacy list push (§2.6): an iq set naming only the list."""
    def match(st):
        if st.name != "iq" or st["type"] != "set":
            return False
        query = st.xml.find("{%s}query" % NS_PRIVACY)
        if query is None:
            return False
        lists = query.findall("{%s}list" % NS_PRIVACY)
        return len(lists) == 1 and lists[0].get("name") == name and len(lists[0]) == 0
    return match


def is_error(kind, frm, condition):
    def match(st):
        return (st.name == kind and st["type"] == "error" and str(st["from"]) == frm
                and error_condition(st) == condition)
    return match


def write(sender, to, body, type="chat"):
    sender.make_message(mto=to, mbody=body, mtype=type).send()


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


async def rows_become(suite, table, owner, count, timeout=5):
    deadline = time.monotonic() + timeout
    while stored_rows(suite, table, owner) != count:
        if time.monotonic() > deadline:
            raise AssertionError("%s rows of %s: %d, not %d"
                                 % (table, owner, stored_rows(suite, table, owner), count))
        await asyncio.sleep(0.05)


# ---- the lists ---------------------------------------------------------------------------


def test_lists_are_kept_and_pushed_to_every_resource(suite):
    users(suite, "alice")

    async def body():
        phone = await online(suite, ALICE + "/phone")
        laptop = await online(suite, ALICE + "/laptop")
        disco = await request(phone, "localhost", "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert NS_PRIVACY in [f.get("var") for f in disco.xml.iter("{%s}feature" % NS_DISCO_INFO)]
        assert names_of(await privacy(phone, "get")) == (None, None, [])

        # §2.6: a new list is stored, and every resource hears its name.
        p, l = phone.mark(), laptop.mark()
        await ok(phone, "<list name='public'>"
                        "<item type='jid' value='Tybalt@Example.COM' action='deny' order='20'>"
                        "<message/><presence-in/></item>"
                        "<item action='allow' order='10'/></list>")
        for client, mark in ((phone, p), (laptop, l)):
            push = await client.received(is_privacy_push("public"), since=mark, what="list push")
            assert push["from"] == ALICE
            assert push["to"] == client.boundjid
        assert stored_rows(suite, "privacy-items", ALICE) == 2

        # §2.3: the list comes back normalized, in order.
        answer = await privacy(laptop, "get", "<list name='public'/>")
        assert items_of(answer) == [
            ({"action": "allow", "order": "10"}, []),
            ({"type": "jid", "value": "tybalt@example.com", "action": "deny", "order": "20"},
             ["message", "presence-in"])]

        await ok(laptop, "<list name='private'><item type='subscription' value='both' "
                         "action='allow' order='1'/><item action='deny' order='2'/></list>")
        assert names_of(await privacy(phone, "get")) == (None, None, ["private", "public"])

        # Replacing a list replaces all its items (§2.6: no deltas).
        l = laptop.mark()
        await ok(phone, "<list name='public'><item action='deny' order='5'><iq/></item></list>")
        await laptop.received(is_privacy_push("public"), since=l)
        assert items_of(await privacy(phone, "get", "<list name='public'/>")) == [
            ({"action": "deny", "order": "5"}, ["iq"])]

        # §2.8: an empty list element removes the list; a push says so too.
        p, l = phone.mark(), laptop.mark()
        await ok(laptop, "<list name='public'/>")
        await phone.received(is_privacy_push("public"), since=p)
        await laptop.received(is_privacy_push("public"), since=l)
        gone = await privacy(phone, "get", "<list name='public'/>")
        assert error_condition(gone) == "item-not-found"
        assert names_of(await privacy(phone, "get")) == (None, None, ["private"])
        assert stored_rows(suite, "privacy-items", ALICE) == 2
        for c in (phone, laptop):
            await c.close()

        # Stored: a later session finds them.
        again = await online(suite, ALICE + "/desk")
        assert names_of(await privacy(again, "get")) == (None, None, ["private"])
        await again.close()

    run(body())


# ---- what a list refuses -----------------------------------------------------------------


def test_denied_jid_gets_nothing_through_either_way(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        carol = await online(suite, CAROL + "/home")
        await befriend(alice, bob)

        # A default list that refuses bob every kind of stanza (§2.14).
        b = bob.mark()
        await ok(alice, "<list name='nobob'><item type='jid' value='bob@localhost' action='deny' "
                        "order='1'/><item action='allow' order='2'/></list>")
        await ok(alice, "<default name='nobob'/>")
        # §2.11: bob, who saw alice online, sees her go.
        await bob.received(is_presence(ALICE + "/phone", "unavailable"), since=b)

        # §2.13: his message is refused with service-unavailable, ...
        a, b = alice.mark(), bob.mark()
        write(bob, ALICE, "hello?")
        await bob.received(is_error("message", ALICE, "service-unavailable"), since=b)
        # ... so is an iq, to her bare or to her full JID, ...
        answer = await request(bob, ALICE, "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert error_condition(answer) == "service-unavailable"
        answer = await request(bob, ALICE + "/phone", "<ping xmlns='%s'/>" % NS_PING)
        assert error_condition(answer) == "service-unavailable"
        # ... and his presence goes nowhere, without an error.
        bob.send_presence(pstatus="busy")
        await alice.none_received(lambda st: str(st["from"]).startswith(BOB), since=a)
        await bob.none_received(is_presence(type="error"), since=b)

        # Outbound: her presence no longer reaches him, and what she sends
        # him comes back not-acceptable.
        a, b = alice.mark(), bob.mark()
        alice.send_presence(pstatus="here")
        write(alice, BOB, "psst")
        refused = await alice.received(is_error("message", BOB, "not-acceptable"), since=a)
        error = refused.xml.find("{jabber:client}error")
        assert error.get("type") == "cancel"
        assert error.find("{urn:xmpp:blocking:errors}blocked") is None
        await bob.none_received(lambda st: str(st["from"]).startswith(ALICE), since=b)

        # carol, not on the list, gets through.
        write(carol, ALICE, "hi from carol")
        await alice.received(is_message(frm=CAROL + "/home", body="hi from carol"), since=a)

        # Offline, the default list still applies: refused, not stored.
        await alice.close()
        b, c = bob.mark(), carol.mark()
        write(bob, ALICE, "are you there?")
        await bob.received(is_error("message", ALICE, "service-unavailable"), since=b)
        write(carol, ALICE, "for later")
        await rows_become(suite, "queue", ALICE, 1)
        await asyncio.sleep(0.2)
        assert stored_rows(suite, "queue", ALICE) == 1
        alice = await online(suite, ALICE + "/phone")
        await alice.received(is_message(body="for later"))
        await alice.none_received(is_message(body="are you there?"))
        for cl in (alice, bob, carol):
            await cl.close()

    run(body())


def test_denied_contacts_probe_gets_no_presence(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        carol = await online(suite, CAROL + "/home")
        await befriend(alice, bob)
        await befriend(alice, carol)
        await bob.close()
        await carol.close()
        # bob may not see her presence; nothing else is refused.
        await ok(alice, "<list name='hide'><item type='jid' value='bob@localhost' action='deny' "
                        "order='1'><presence-out/></item></list>")
        await ok(alice, "<default name='hide'/>")

        # bob comes back: his probe (RFC 6121 §4.3) goes unanswered ...
        a = alice.mark()
        bob = await online(suite, BOB + "/desk")
        await bob.none_received(lambda st: str(st["from"]).startswith(ALICE), seconds=1.0)
        # ... while his own presence still reaches her (presence-in is allowed).
        await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        # carol's probe is answered.
        carol = await online(suite, CAROL + "/home")
        await carol.received(is_presence(ALICE + "/phone", "available"))

        # Offline, the server answers probes for alice - not bob's either.
        await alice.close()
        await bob.close()
        bob = await online(suite, BOB + "/desk")
        await bob.none_received(lambda st: str(st["from"]).startswith(ALICE), seconds=1.0)
        for cl in (bob, carol):
            await cl.close()

    run(body())


def test_group_items_follow_the_roster(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        carol = await online(suite, CAROL + "/home")
        await befriend(alice, bob)
        await befriend(alice, carol)

        async def group(jid, name):
            iq = alice.Iq()
            iq["type"] = "set"
            iq.append(ET.fromstring("<query xmlns='%s'><item jid='%s'>%s</item></query>"
                                    % (NS_ROSTER, jid, "<group>%s</group>" % name if name else "")))
            assert (await alice.query(iq))["type"] == "result"

        # §2.1: a group the roster does not have is refused.
        answer = await privacy(alice, "set", "<list name='g'><item type='group' value='Enemies' "
                                             "action='deny' order='1'><message/></item></list>")
        assert error_condition(answer) == "item-not-found"
        assert stored_rows(suite, "privacy-items", ALICE) == 0

        await group(BOB, "Enemies")
        await ok(alice, "<list name='g'><item type='group' value='Enemies' action='deny' "
                        "order='1'><message/></item></list>")
        await ok(alice, "<active name='g'/>")

        a, b = alice.mark(), bob.mark()
        write(bob, ALICE, "from an enemy")
        await bob.received(is_error("message", ALICE, "service-unavailable"), since=b)
        write(carol, ALICE, "from a friend")
        await alice.received(is_message(body="from a friend"), since=a)
        # Only messages: his presence still arrives.
        bob.send_presence(pstatus="sulking")
        await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        await alice.none_received(is_message(body="from an enemy"), since=a)

        # §2.2 rule 9: a change of group applies at once.
        await group(CAROL, "Enemies")
        await group(BOB, None)
        a, b, c = alice.mark(), bob.mark(), carol.mark()
        write(carol, ALICE, "now an enemy")
        await carol.received(is_error("message", ALICE, "service-unavailable"), since=c)
        write(bob, ALICE, "friends again")
        await alice.received(is_message(body="friends again"), since=a)
        for cl in (alice, bob, carol):
            await cl.close()

    run(body())


def test_subscription_items(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        carol = await online(suite, CAROL + "/home")  # a stranger to alice
        await befriend(alice, bob)

        # §2.15: nobody outside the roster, for every kind of stanza.
        await ok(alice, "<list name='known'><item type='subscription' value='none' "
                        "action='deny' order='1'/></list>")
        await ok(alice, "<active name='known'/>")
        a, c = alice.mark(), carol.mark()
        write(carol, ALICE, "who am I?")
        await carol.received(is_error("message", ALICE, "service-unavailable"), since=c)
        answer = await request(carol, ALICE + "/phone", "<ping xmlns='%s'/>" % NS_PING)
        assert error_condition(answer) == "service-unavailable"
        write(bob, ALICE, "a friend")
        await alice.received(is_message(body="a friend"), since=a)
        await alice.none_received(is_message(body="who am I?"), since=a)

        # Now: no presence from those with a mutual subscription, and no iq.
        await ok(alice, "<list name='quiet'>"
                        "<item type='subscription' value='both' action='deny' order='1'>"
                        "<presence-in/><iq/></item></list>")
        a = alice.mark()
        await ok(alice, "<active name='quiet'/>")
        # §2.10: bob is shown going offline for her.
        await alice.received(is_presence(BOB, "unavailable"), since=a)
        a, b = alice.mark(), bob.mark()
        bob.send_presence(pstatus="can you see me?")
        answer = await request(bob, ALICE + "/phone", "<ping xmlns='%s'/>" % NS_PING)
        assert error_condition(answer) == "service-unavailable"
        write(bob, ALICE, "messages still pass")
        await alice.received(is_message(body="messages still pass"), since=a)
        await alice.none_received(is_presence(BOB + "/desk"), since=a)
        # carol is fine again.
        write(carol, ALICE, "and me")
        await alice.received(is_message(body="and me"), since=a)

        # Back to no list: bob's presence is asked for again.
        a = alice.mark()
        await ok(alice, "<active/>")
        await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        for cl in (alice, bob, carol):
            await cl.close()

    run(body())


# ---- active and default lists ------------------------------------------------------------


def test_active_list_overrides_the_default_for_its_session(suite):
    users(suite, "alice", "bob")

    async def body():
        phone = await online(suite, ALICE + "/phone", priority=5)
        laptop = await online(suite, ALICE + "/laptop", priority=1)
        bob = await online(suite, BOB + "/desk")
        await ok(phone, "<list name='strict'><item type='jid' value='bob@localhost' "
                        "action='deny' order='1'><message/></item></list>")
        await ok(phone, "<list name='open'><item action='allow' order='1'/></list>")
        await ok(phone, "<default name='strict'/>")
        await ok(laptop, "<active name='open'/>")
        assert names_of(await privacy(laptop, "get")) == ("open", "strict", ["open", "strict"])
        assert names_of(await privacy(phone, "get")) == (None, "strict", ["open", "strict"])

        # §2.2 rules 1-2: the laptop applies its active list only, the phone
        # the default.
        p, l, b = phone.mark(), laptop.mark(), bob.mark()
        write(bob, ALICE + "/laptop", "to the laptop")
        await laptop.received(is_message(body="to the laptop"), since=l)
        write(bob, ALICE + "/phone", "to the phone")
        await bob.received(is_error("message", ALICE + "/phone", "service-unavailable"), since=b)
        # To the bare JID: the phone has the higher priority but refuses;
        # the laptop takes it.
        write(bob, ALICE, "to whoever")
        await laptop.received(is_message(body="to whoever"), since=l)
        await phone.none_received(is_message(), since=p)

        # §2.2 rule 11: the default may not change or go while the phone
        # uses it, nor may a list active on another resource be removed.
        for inner in ("<default name='open'/>", "<default/>", "<list name='strict'/>"):
            answer = await privacy(laptop, "set", inner)
            assert error_condition(answer) == "conflict", inner
        answer = await privacy(phone, "set", "<list name='open'/>")
        assert error_condition(answer) == "conflict"
        assert names_of(await privacy(phone, "get")) == (None, "strict", ["open", "strict"])

        # Once the phone has an active list of its own, the default is free.
        await ok(phone, "<active name='open'/>")
        await ok(laptop, "<default/>")
        await ok(laptop, "<list name='strict'/>")
        assert names_of(await privacy(phone, "get")) == ("open", None, ["open"])

        # Declining the active list: nothing applies any more.
        await ok(phone, "<active/>")
        p, b = phone.mark(), bob.mark()
        write(bob, ALICE + "/phone", "open again")
        await phone.received(is_message(body="open again"), since=p)
        # A list applies only for its session's lifetime (§2.2 rule 1).
        await ok(laptop, "<active name='open'/>")
        await laptop.close()
        laptop = await online(suite, ALICE + "/laptop")
        assert names_of(await privacy(laptop, "get"))[0] is None
        for cl in (phone, laptop, bob):
            await cl.close()

    run(body())


# ---- bad input ---------------------------------------------------------------------------


def test_bad_requests_change_nothing(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        # Unknown names (§2.3, §2.4, §2.5, §2.8).
        for type, inner in (("get", "<list name='nothing'/>"), ("set", "<active name='nothing'/>"),
                            ("set", "<default name='nothing'/>"), ("set", "<list name='nothing'/>")):
            answer = await privacy(alice, type, inner)
            assert error_condition(answer) == "item-not-found", inner

        # Malformed items: refused with bad-request, nothing stored.
        for items in ("<item order='1'/>",
                      "<item action='maybe' order='1'/>",
                      "<item action='deny'/>",
                      "<item action='deny' order='-3'/>",
                      "<item action='deny' order='99999999999'/>",
                      "<item action='deny' order='1'/><item action='allow' order='1'/>",
                      "<item type='jid' value='a@b@c' action='deny' order='1'/>",
                      "<item type='jid' action='deny' order='1'/>",
                      "<item type='subscription' value='sometimes' action='deny' order='1'/>",
                      "<item type='colour' value='red' action='deny' order='1'/>",
                      "<item value='x@y' action='deny' order='1'/>",
                      "<item action='deny' order='1'><presence/></item>",
                      "<item action='allow' order='1'/><thing/>"):
            answer = await privacy(alice, "set", "<list name='broken'>%s</list>" % items)
            assert error_condition(answer) == "bad-request", items
        answer = await privacy(alice, "set", "<list><item action='deny' order='1'/></list>")
        assert error_condition(answer) == "bad-request"
        assert stored_rows(suite, "privacy-items", ALICE) == 0
        assert names_of(await privacy(alice, "get")) == (None, None, [])

        # One thing per set, one list per get (§2.1, §2.3).
        await ok(alice, "<list name='a'><item action='allow' order='1'/></list>")
        await ok(alice, "<list name='b'><item action='allow' order='1'/></list>")
        answer = await privacy(alice, "set", "<active name='a'/><default name='b'/>")
        assert error_condition(answer) == "bad-request"
        answer = await privacy(alice, "get", "<list name='a'/><list name='b'/>")
        assert error_condition(answer) == "bad-request"
        # A malformed replacement leaves the stored list as it was.
        answer = await privacy(alice, "set", "<list name='a'><item action='x' order='1'/></list>")
        assert error_condition(answer) == "bad-request"
        assert items_of(await privacy(alice, "get", "<list name='a'/>")) == [
            ({"action": "allow", "order": "1"}, [])]
        assert stored_rows(suite, "privacy-items", ALICE) == 2

        # The blocklist's name is not a privacy list's (docs/privacy.md).
        answer = await privacy(alice, "set", "<list name='urn:xmpp:blocking'>"
                                             "<item action='deny' order='1'/></list>")
        assert error_condition(answer) == "not-allowed"

        # Nobody else sees or sets alice's lists.
        iq = bob.Iq()
        iq["type"] = "get"
        iq["to"] = ALICE
        iq.append(ET.fromstring("<query xmlns='%s'/>" % NS_PRIVACY))
        assert error_condition(await bob.query(iq)) == "service-unavailable"
        for cl in (alice, bob):
            await cl.close()

    run(body())
