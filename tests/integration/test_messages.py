"""Messages and iq through the real sm, by the rules of RFC 6121 §8.5: to a
full JID, to a bare JID by priority, offline storage (XEP-0160) with
XEP-0203 delay, the errors for what cannot be delivered; and what the
server answers itself: disco#info (XEP-0030) and ping (XEP-0199)."""

import datetime

from slixmpp.xmlstream import ET

from xmpp import error_condition, is_message, is_presence, login, run, stored_rows

ALICE, BOB, CAROL = "alice@localhost", "bob@localhost", "carol@localhost"
NS_DELAY = "urn:xmpp:delay"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_PING = "urn:xmpp:ping"


def users(suite, *names):
    for name in names:
        suite.add_user(name, "pw")


def write(sender, to, body, type="chat"):
    msg = sender.make_message(mto=to, mbody=body, mtype=type)
    msg.send()
    return msg


async def request(client, to, payload_xml, type="get"):
    """An iq to `to` carrying a literal payload; returns the answer."""
    iq = client.Iq()
    iq["type"] = type
    iq["to"] = to
    iq.append(ET.fromstring(payload_xml))
    return await client.query(iq)


def error_of(stanza):
    """(type, condition) of an error stanza."""
    error = stanza.xml.find("{jabber:client}error")
    return error.get("type"), error_condition(stanza)


# ---- delivery ----------------------------------------------------------------------------


def test_message_to_full_jid(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        desk = await login(suite, BOB + "/desk", "pw")
        laptop = await login(suite, BOB + "/laptop", "pw", priority=10)
        d, l = desk.mark(), laptop.mark()
        sent = write(alice, BOB + "/desk", "to your desk")
        got = await desk.received(is_message(frm=ALICE + "/phone", body="to your desk"), since=d)
        assert got["to"] == BOB + "/desk"
        assert got["type"] == "chat"
        assert got["id"] == sent["id"]
        # Even the higher-priority resource does not see it.
        await laptop.none_received(is_message(), since=l, seconds=0.3)
        for c in (alice, desk, laptop):
            await c.close()

    run(body())


def test_message_to_a_jid_written_in_another_case(suite):
    # RFC 7622 §3.2, §3.3: node and domain compare case-folded; the
    # resource does not.
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        desk = await login(suite, BOB + "/desk", "pw")
        d = desk.mark()
        alice.send_raw("<message to='Bob@LocalHost/desk' type='chat' id='c1'>"
                       "<body>in capitals</body></message>")
        await desk.received(is_message(frm=ALICE + "/phone", body="in capitals"), since=d)
        for c in (alice, desk):
            await c.close()

    run(body())


def test_bare_jid_goes_to_highest_priority(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        high = await login(suite, BOB + "/high", "pw", priority=5)
        low = await login(suite, BOB + "/low", "pw", priority=1)
        # RFC 6121 §8.5.2.1.1: chat/normal to the bare JID go to the
        # resource of highest priority only.
        h, l = high.mark(), low.mark()
        write(alice, BOB, "who is there?")
        got = await high.received(is_message(frm=ALICE + "/phone", body="who is there?"), since=h)
        assert got["to"].bare == BOB
        write(alice, BOB, "a note", type="normal")
        await high.received(is_message(body="a note"), since=h)
        await low.none_received(is_message(), since=l, seconds=0.3)

        # Headlines go to every non-negative resource.
        h, l = high.mark(), low.mark()
        write(alice, BOB, "news", type="headline")
        await high.received(is_message(body="news", type="headline"), since=h)
        await low.received(is_message(body="news", type="headline"), since=l)

        # The low one raises its priority above: now it gets them.
        h, l = high.mark(), low.mark()
        low.send_presence(ppriority=9)
        await high.received(is_presence(BOB + "/low"), since=h)
        write(alice, BOB, "again")
        await low.received(is_message(body="again"), since=l)
        await high.none_received(is_message(body="again"), since=h, seconds=0.3)
        for c in (alice, high, low):
            await c.close()

    run(body())


def test_bare_jid_equal_priorities_all_get_it(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        one = await login(suite, BOB + "/one", "pw", priority=3)
        two = await login(suite, BOB + "/two", "pw", priority=3)
        # sessions@ties='all' (the default): every resource of the highest
        # priority gets it (RFC 6121 §8.5.2.1.1 leaves the choice to us).
        o, t = one.mark(), two.mark()
        write(alice, BOB, "hello both")
        await one.received(is_message(frm=ALICE + "/phone", body="hello both"), since=o)
        await two.received(is_message(frm=ALICE + "/phone", body="hello both"), since=t)
        for c in (alice, one, two):
            await c.close()

    run(body())


def test_bare_jid_ties_to_newest(suites):
    def newest(name, tree):
        if name.startswith("sm-"):
            tree.getroot().find("sessions").set("ties", "newest")
    suite = suites.make(edit=newest)
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        old = await login(suite, BOB + "/old", "pw", priority=3)
        new = await login(suite, BOB + "/new", "pw", priority=3)
        o, n = old.mark(), new.mark()
        write(alice, BOB, "only one of you")
        await new.received(is_message(body="only one of you"), since=n)
        await old.none_received(is_message(), since=o, seconds=0.3)
        for c in (alice, old, new):
            await c.close()

    run(body())


def test_negative_priority_gets_no_bare_jid_messages(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bot = await login(suite, BOB + "/bot", "pw", priority=-1)
        # RFC 6121 §4.7.2.3 / §8.5.2.1.1: a negative priority means "never
        # send me what is for my bare JID" - with no other resource, the
        # message is treated as for an offline user.
        b = bot.mark()
        write(alice, BOB, "are you a bot?")
        await bot.none_received(is_message(), since=b, seconds=0.3)
        # Full-JID messages still reach it.
        write(alice, BOB + "/bot", "you are a bot")
        await bot.received(is_message(body="you are a bot"), since=b)
        # The bare-JID one was stored and comes with the next real login.
        person = await login(suite, BOB + "/phone", "pw")
        stored = await person.received(is_message(body="are you a bot?"))
        assert stored.xml.find("{%s}delay" % NS_DELAY) is not None
        await bot.none_received(is_message(body="are you a bot?"), since=b, seconds=0.2)
        for c in (alice, bot, person):
            await c.close()

    run(body())


# ---- offline storage ---------------------------------------------------------------------


def test_offline_message_delivered_at_login_with_delay(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        first = write(alice, BOB, "while you were out")
        write(alice, BOB + "/gone", "and to a resource of yours", type="normal")
        # Nothing comes back to alice: the messages are kept (XEP-0160).
        await alice.none_received(is_message(type="error"), seconds=0.3)

        bob = await login(suite, BOB + "/desk", "pw")
        one = await bob.received(is_message(body="while you were out"))
        two = await bob.received(is_message(body="and to a resource of yours"))
        assert bob.seen.index(one) < bob.seen.index(two)  # in the order sent
        assert one["from"] == ALICE + "/phone"
        assert one["to"] == BOB + "/desk"
        assert one["type"] == "chat"
        assert one["id"] == first["id"]
        # XEP-0203: when it was stored, and by whom (the server).
        delay = one.xml.find("{%s}delay" % NS_DELAY)
        assert delay is not None
        assert delay.get("from") == "localhost"
        stamp = datetime.datetime.fromisoformat(delay.get("stamp").replace("Z", "+00:00"))
        assert delay.get("stamp").endswith("Z")
        assert before <= stamp <= datetime.datetime.now(datetime.timezone.utc)
        assert two.xml.find("{%s}delay" % NS_DELAY) is not None
        await bob.close()

        # Delivered once: they are gone from storage.
        bob = await login(suite, BOB + "/desk", "pw")
        await bob.none_received(is_message(), seconds=0.3)
        await alice.close()
        await bob.close()

    run(body())


def test_headline_to_offline_user_is_not_stored(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        write(alice, BOB, "breaking news", type="headline")
        write(alice, BOB, "last one")
        bob = await login(suite, BOB + "/desk", "pw")
        # Stored messages arrive in order: had the headline been kept, it
        # would be here before this one (RFC 6121 §8.5.2.2.1: dropped).
        await bob.received(is_message(body="last one"))
        assert not [st for st in bob.seen if st.name == "message" and st["type"] == "headline"]
        await alice.none_received(is_message(type="error"), seconds=0.1)
        await alice.close()
        await bob.close()

    run(body())


# ---- errors ------------------------------------------------------------------------------


def test_groupchat_to_bare_jid_is_refused(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bob = await login(suite, BOB + "/desk", "pw")
        a, b = alice.mark(), bob.mark()
        # RFC 6121 §8.5.2.1.1: a groupchat message for a user's bare JID is
        # not delivered; the sender gets service-unavailable.
        write(alice, BOB, "this is no room", type="groupchat")
        error = await alice.received(is_message(frm=BOB, type="error"), since=a)
        assert error_of(error) == ("cancel", "service-unavailable")
        assert error["to"] == ALICE + "/phone"
        await bob.none_received(is_message(), since=b, seconds=0.3)
        await alice.close()
        await bob.close()

    run(body())


def test_message_to_unknown_user_bounces(suite):
    users(suite, "alice")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        # RFC 6121 §8.5.1: no such account: service-unavailable (not
        # item-not-found, which would tell that the account is missing).
        sent = write(alice, "nobody@localhost", "hello?")
        error = await alice.received(is_message(frm="nobody@localhost", type="error"))
        assert error_of(error) == ("cancel", "service-unavailable")
        assert error["id"] == sent["id"]
        sent = write(alice, "nobody@localhost/res", "hello??")
        error = await alice.received(is_message(frm="nobody@localhost/res", type="error"))
        assert error_of(error) == ("cancel", "service-unavailable")
        assert error["id"] == sent["id"]
        # Nothing was kept for the missing account.
        assert stored_rows(suite, "queue", "nobody@localhost") == 0
        await alice.close()

    run(body())


def test_message_to_gone_resource_follows_bare_jid_rules(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bob = await login(suite, BOB + "/desk", "pw")
        # RFC 6121 §8.5.3.2.1: chat to a resource that is not there goes to
        # the bare JID - here, bob's one available resource.
        b = bob.mark()
        write(alice, BOB + "/laptop", "your laptop is off")
        got = await bob.received(is_message(frm=ALICE + "/phone", body="your laptop is off"),
                                 since=b)
        assert got["to"].bare == BOB
        # A headline to it is dropped instead.
        write(alice, BOB + "/laptop", "flash", type="headline")
        write(alice, BOB + "/desk", "marker")
        await bob.received(is_message(body="marker"), since=b)
        assert not [st for st in bob.seen[b:] if st.name == "message" and st["body"] == "flash"]
        await alice.close()
        await bob.close()

    run(body())


def test_iq_to_missing_resource(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bob = await login(suite, BOB + "/desk", "pw")
        # An iq to a connected resource reaches the client, which answers.
        answer = await request(alice, BOB + "/desk", "<ping xmlns='%s'/>" % NS_PING)
        assert answer["type"] == "result"
        assert answer["from"] == BOB + "/desk"
        # RFC 6121 §8.5.3.2.2: to a resource that is not there,
        # service-unavailable from that address.
        answer = await request(alice, BOB + "/laptop", "<ping xmlns='%s'/>" % NS_PING)
        assert answer["type"] == "error"
        assert answer["from"] == BOB + "/laptop"
        assert error_of(answer) == ("cancel", "service-unavailable")
        # The same for an account that does not exist (§8.5.1).
        answer = await request(alice, "nobody@localhost/x", "<ping xmlns='%s'/>" % NS_PING)
        assert error_of(answer) == ("cancel", "service-unavailable")
        await alice.close()
        await bob.close()

    run(body())


# ---- what the server answers -------------------------------------------------------------


def disco_info(answer):
    query = answer.xml.find("{%s}query" % NS_DISCO_INFO)
    identities = [(i.get("category"), i.get("type"))
                  for i in query.findall("{%s}identity" % NS_DISCO_INFO)]
    features = [f.get("var") for f in query.findall("{%s}feature" % NS_DISCO_INFO)]
    return identities, features


def test_server_disco_info(suite):
    users(suite, "alice")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        answer = await request(alice, "localhost", "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert answer["type"] == "result"
        assert answer["from"] == "localhost"
        identities, features = disco_info(answer)
        assert ("server", "im") in identities
        for feature in (NS_DISCO_INFO, "http://jabber.org/protocol/disco#items", NS_PING,
                        "msgoffline", "urn:xmpp:features:pre-approval"):
            assert feature in features, feature
        assert len(features) == len(set(features))
        # A node the server does not have.
        answer = await request(alice, "localhost",
                               "<query xmlns='%s' node='nonsense'/>" % NS_DISCO_INFO)
        assert error_of(answer)[1] == "item-not-found"
        await alice.close()

    run(body())


def test_account_disco_info(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw", auto_authorize=None)
        bob = await login(suite, BOB + "/desk", "pw", auto_authorize=None)
        carol = await login(suite, CAROL + "/desk", "pw")
        # bob subscribes to alice's presence, and she agrees.
        a, b = alice.mark(), bob.mark()
        bob.send_presence(pto=ALICE, ptype="subscribe")
        await alice.received(is_presence(BOB, "subscribe"), since=a)
        alice.send_presence(pto=BOB, ptype="subscribed")
        await bob.received(is_presence(ALICE, "subscribed"), since=b)

        # XEP-0030 §3.1 / RFC 6121 §8.5.2.1.3: the account answers its owner
        # and its subscribers ...
        for asker in (alice, bob):
            answer = await request(asker, ALICE, "<query xmlns='%s'/>" % NS_DISCO_INFO)
            assert answer["type"] == "result", asker.boundjid
            assert answer["from"] == ALICE
            identities, _ = disco_info(answer)
            assert identities == [("account", "registered")]
        # ... and to anyone else it is as if there were nothing.
        answer = await request(carol, ALICE, "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert error_of(answer) == ("cancel", "service-unavailable")
        answer = await request(carol, "nobody@localhost", "<query xmlns='%s'/>" % NS_DISCO_INFO)
        assert error_of(answer) == ("cancel", "service-unavailable")
        for c in (alice, bob, carol):
            await c.close()

    run(body())


def test_ping_server(suite):
    users(suite, "alice")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        answer = await request(alice, "localhost", "<ping xmlns='%s'/>" % NS_PING)
        assert answer["type"] == "result"
        assert answer["from"] == "localhost"
        assert answer["to"] == ALICE + "/phone"
        assert len(answer.xml) == 0  # XEP-0199 §4.1: an empty result
        # An iq the server has no handler for: service-unavailable (RFC 6120 §8.4).
        answer = await request(alice, "localhost", "<query xmlns='urn:example:nothing'/>")
        assert error_of(answer) == ("cancel", "service-unavailable")
        await alice.close()

    run(body())
