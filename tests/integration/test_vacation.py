"""Vacation messages (jabberd2's mod_vacation, XEP-0109 as it stood, in
the namespace http://jabber.org/protocol/vacation): a user sets a period and
a message; while the period runs, whoever writes a chat or normal message
gets the message back, once per period; headlines, errors, groupchat, the
server and other automatic replies get nothing."""

import datetime

from slixmpp.xmlstream import ET

from xmpp import error_condition, is_message, login, run, stored_rows

ALICE, BOB, CAROL = "alice@localhost", "bob@localhost", "carol@localhost"
NS = "http://jabber.org/protocol/vacation"


def users(suite, *names):
    for name in names:
        suite.add_user(name, "pw")


def stamp(delta):
    """An XEP-0082 DateTime `delta` from now."""
    t = datetime.datetime.now(datetime.timezone.utc) + delta
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


HOUR = datetime.timedelta(hours=1)


async def vacation(client, type="set", start=None, end=None, message=None, to=None,
                   payload=None):
    """A vacation get or set; None leaves an element out. Returns the answer."""
    iq = client.Iq()
    iq["type"] = type
    if to:
        iq["to"] = to
    if payload is None:
        payload = "<query xmlns='%s'>" % NS
        for name, value in (("start", start), ("end", end), ("message", message)):
            if value is not None:
                payload += "<%s>%s</%s>" % (name, value, name)
        payload += "</query>"
    iq.append(ET.fromstring(payload))
    return await client.query(iq)


async def set_ok(client, **kw):
    answer = await vacation(client, **kw)
    assert answer["type"] == "result", answer
    return answer


def auto_reply(frm=ALICE):
    """The automatic reply from `frm`'s account (its bare JID)."""
    def match(st):
        return (st.name == "message" and str(st["from"]) == frm
                and st["subject"] == "Automated reply")
    return match


def write(sender, to, body, type="chat"):
    sender.make_message(mto=to, mbody=body, mtype=type).send()


def test_auto_reply_once_per_sender_per_period(suite):
    users(suite, "alice", "bob", "carol")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        await set_ok(alice, start=stamp(-HOUR), end=stamp(HOUR), message="Back on Monday")
        # XEP-0109 §3.2: the settings as stored.
        got = await vacation(alice, type="get", payload="<query xmlns='%s'/>" % NS)
        assert got["type"] == "result"
        query = got.xml.find("{%s}query" % NS)
        assert query.findtext("{%s}message" % NS) == "Back on Monday"
        assert query.findtext("{%s}start" % NS).endswith("Z")
        assert query.findtext("{%s}end" % NS).endswith("Z")
        assert stored_rows(suite, "vacation-settings", ALICE) == 1
        await alice.close()

        bob = await login(suite, BOB + "/desk", "pw")
        carol = await login(suite, CAROL + "/desk", "pw")
        b, c = bob.mark(), carol.mark()
        write(bob, ALICE, "are you there?")
        reply = await bob.received(auto_reply(), since=b)
        first = bob.seen.index(reply)
        assert reply["body"] == "Back on Monday"
        assert reply["to"] == BOB + "/desk"
        assert reply["type"] == "chat"
        # bob gets no second reply, whatever he sends and from wherever ...
        write(bob, ALICE + "/phone", "hello?")
        write(bob, ALICE, "a normal one", type="normal")
        bob_laptop = await login(suite, BOB + "/laptop", "pw")
        l = bob_laptop.mark()
        write(bob_laptop, ALICE, "from my laptop")
        # ... while carol, writing for the first time, gets one.
        write(carol, ALICE, "lunch?", type="normal")
        reply = await carol.received(auto_reply(), since=c)
        assert reply["type"] == "normal"
        await bob.none_received(auto_reply(), since=first + 1, seconds=1.0)
        await bob_laptop.none_received(auto_reply(), since=l, seconds=0.1)
        # The messages themselves wait for alice as usual.
        assert stored_rows(suite, "queue", ALICE) == 5

        # New settings start a new period: bob hears the new message once.
        alice = await login(suite, ALICE + "/phone", "pw")
        await set_ok(alice, start="", end="", message="Extended until Friday")
        b = bob.mark()
        write(bob, ALICE, "still away?")
        reply = await bob.received(auto_reply(), since=b)
        assert reply["body"] == "Extended until Friday"
        # A reply goes out while alice is online too.
        write(bob, ALICE, "and now?")
        await bob.none_received(auto_reply(), since=bob.seen.index(reply) + 1, seconds=1.0)
        for client in (alice, bob, bob_laptop, carol):
            await client.close()

    run(body())


def test_no_reply_outside_the_period_or_after_removal(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bob = await login(suite, BOB + "/desk", "pw")
        # Not yet ...
        await set_ok(alice, start=stamp(24 * HOUR), end=stamp(48 * HOUR), message="Away soon")
        b = bob.mark()
        write(bob, ALICE, "before")
        await alice.received(is_message(frm=BOB + "/desk", body="before"))
        await bob.none_received(auto_reply(), since=b, seconds=1.0)
        # ... no longer ...
        await set_ok(alice, start=stamp(-48 * HOUR), end=stamp(-24 * HOUR), message="Was away")
        write(bob, ALICE, "after")
        await alice.received(is_message(frm=BOB + "/desk", body="after"))
        await bob.none_received(auto_reply(), since=b, seconds=1.0)
        # ... and an open period, removed: an empty <query/> (jabberd2).
        await set_ok(alice, start="", message="Away")
        await set_ok(alice, payload="<query xmlns='%s'/>" % NS)
        assert stored_rows(suite, "vacation-settings", ALICE) == 0
        got = await vacation(alice, type="get", payload="<query xmlns='%s'/>" % NS)
        assert len(got.xml.find("{%s}query" % NS)) == 0
        write(bob, ALICE, "removed")
        await alice.received(is_message(frm=BOB + "/desk", body="removed"))
        await bob.none_received(auto_reply(), since=b, seconds=1.0)
        for client in (alice, bob):
            await client.close()

    run(body())


def test_no_reply_to_headlines_errors_groupchat_or_other_auto_replies(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bob = await login(suite, BOB + "/desk", "pw")
        await set_ok(alice, message="Alice is away")
        await set_ok(bob, message="Bob is away")
        a, b = alice.mark(), bob.mark()
        write(bob, ALICE, "news", type="headline")
        await alice.received(is_message(frm=BOB + "/desk", body="news"), since=a)
        write(bob, ALICE, "oops", type="error")
        write(bob, ALICE, "room talk", type="groupchat")
        # A chat state alone is not someone writing.
        state = bob.make_message(mto=ALICE, mtype="chat")
        state.append(ET.fromstring("<composing xmlns='http://jabber.org/protocol/chatstates'/>"))
        state.send()
        await bob.none_received(auto_reply(), since=b, seconds=1.0)

        # Both away: bob's message gets alice's reply, and that reply (from
        # her bare JID) gets none from bob - no loop.
        write(bob, ALICE, "hi alice")
        await bob.received(auto_reply(ALICE), since=b)
        await alice.received(is_message(frm=BOB + "/desk", body="hi alice"), since=a)
        await alice.none_received(auto_reply(BOB), since=a, seconds=1.5)
        assert len([s for s in bob.seen[b:] if auto_reply(ALICE)(s)]) == 1
        for client in (alice, bob):
            await client.close()

    run(body())


def test_bad_settings_and_other_users(suite):
    users(suite, "alice", "bob")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        bob = await login(suite, BOB + "/desk", "pw")
        for kw in ({"start": "next week", "message": "x"},
                   {"end": "2030-01-01", "message": "x"},
                   {"start": stamp(HOUR), "end": stamp(-HOUR), "message": "x"},
                   {"start": "", "end": ""},
                   {"message": ""}):
            answer = await vacation(alice, **kw)
            assert answer["type"] == "error", kw
            assert error_condition(answer) == "bad-request", kw
        assert stored_rows(suite, "vacation-settings", ALICE) == 0
        # Only alice may read or change her settings (RFC 6121 §2.1.5 rules).
        await set_ok(alice, message="Away")
        answer = await vacation(bob, type="get", to=ALICE, payload="<query xmlns='%s'/>" % NS)
        assert error_condition(answer) == "service-unavailable"
        answer = await vacation(bob, to=ALICE, message="Hacked")
        assert error_condition(answer) == "service-unavailable"
        got = await vacation(alice, type="get", payload="<query xmlns='%s'/>" % NS)
        assert got.xml.find("{%s}query" % NS).findtext("{%s}message" % NS) == "Away"
        for client in (alice, bob):
            await client.close()

    run(body())
