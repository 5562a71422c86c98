"""Presence through the real sm: the subscription handshake of RFC 6121 §3
with the roster states it leaves at each step, broadcasts and probes
(§4), what contacts see when a client logs out or just drops, pending
requests for offline users, cancellation, pre-approval (§3.4) and directed
presence (§4.6)."""

from slixmpp.xmlstream import ET

from xmpp import (NS_ROSTER, is_presence, is_roster_push, login, roster_items, run,
                  stored_rows)

ALICE, BOB, CAROL = "alice@localhost", "bob@localhost", "carol@localhost"


async def online(suite, jid, **kw):
    """A logged-in, available client that leaves subscription requests to
    the test (slixmpp would otherwise answer them itself)."""
    return await login(suite, jid, "pw", auto_authorize=None, **kw)


async def roster_of(client):
    iq = client.Iq()
    iq["type"] = "get"
    iq.append(ET.Element("{%s}query" % NS_ROSTER))
    answer = await client.query(iq)
    assert answer["type"] == "result", answer
    return {item["jid"]: item for item in roster_items(answer)}


def state(item):
    """An item's subscription state as (subscription, ask, approved)."""
    return item.get("subscription"), item.get("ask"), item.get("approved")


async def pushed(client, contact, since):
    """The roster push about `contact` the client got after `since`."""
    push = await client.received(is_roster_push(contact), since=since,
                                 what="roster push for " + contact)
    [item] = roster_items(push)
    return item


def send(client, to, type=None, **kw):
    kw = {("p" + k): v for k, v in kw.items()}
    if type:
        kw["ptype"] = type
    client.send_presence(pto=to, **kw)


async def befriend(alice, bob):
    """Mutual subscription between two online clients, the way users do it."""
    a, b = alice.mark(), bob.mark()
    send(alice, bob.boundjid.bare, "subscribe")
    await bob.received(is_presence(alice.boundjid.bare, "subscribe"), since=b)
    send(bob, alice.boundjid.bare, "subscribed")
    send(bob, alice.boundjid.bare, "subscribe")
    await alice.received(is_presence(bob.boundjid.bare, "subscribe"), since=a)
    send(alice, bob.boundjid.bare, "subscribed")
    for me, other, mark in ((alice, bob, a), (bob, alice, b)):
        await me.received(lambda st: is_roster_push(other.boundjid.bare)(st) and
                          roster_items(st)[0]["subscription"] == "both", since=mark,
                          what="push of a mutual subscription")


# ---- the handshake -----------------------------------------------------------------------


def test_subscription_handshake(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")

        # alice asks to see bob's presence (RFC 6121 §3.1.1).
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "subscribe")
        # §3.1.2: her roster gets bob, subscription none, request pending.
        assert state(await pushed(alice, BOB, a)) == ("none", "subscribe", None)
        # §3.1.3: bob gets the request from her bare JID ...
        request = await bob.received(is_presence(ALICE, "subscribe"), since=b)
        assert request["to"].bare == BOB
        # ... and she is not in his roster until he says so.
        assert ALICE not in await roster_of(bob)
        await bob.none_received(is_roster_push(ALICE), since=b, seconds=0.3)

        # bob approves (§3.1.4).
        a, b = alice.mark(), bob.mark()
        send(bob, ALICE, "subscribed")
        # §3.1.5: bob's roster now has alice with 'from' ...
        assert state(await pushed(bob, ALICE, b)) == ("from", None, None)
        # ... alice learns it, her item becomes 'to' ...
        await alice.received(is_presence(BOB, "subscribed"), since=a)
        assert state(await pushed(alice, BOB, a)) == ("to", None, None)
        # ... and she gets bob's current presence, from his full JID.
        await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        assert state((await roster_of(alice))[BOB]) == ("to", None, None)
        assert state((await roster_of(bob))[ALICE]) == ("from", None, None)

        # bob asks back.
        a, b = alice.mark(), bob.mark()
        send(bob, ALICE, "subscribe")
        assert state(await pushed(bob, ALICE, b)) == ("from", "subscribe", None)
        await alice.received(is_presence(BOB, "subscribe"), since=a)

        # alice approves: both ways now.
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "subscribed")
        assert state(await pushed(alice, BOB, a)) == ("both", None, None)
        await bob.received(is_presence(ALICE, "subscribed"), since=b)
        assert state(await pushed(bob, ALICE, b)) == ("both", None, None)
        await bob.received(is_presence(ALICE + "/phone", "available"), since=b)
        assert state((await roster_of(alice))[BOB]) == ("both", None, None)
        assert state((await roster_of(bob))[ALICE]) == ("both", None, None)
        await alice.close()
        await bob.close()

    run(body())


def test_declined_request(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "subscribe")
        await bob.received(is_presence(ALICE, "subscribe"), since=b)
        await pushed(alice, BOB, a)

        # bob says no (§3.2.1 used as a refusal): alice's request is gone.
        a = alice.mark()
        send(bob, ALICE, "unsubscribed")
        await alice.received(is_presence(BOB, "unsubscribed"), since=a)
        assert state(await pushed(alice, BOB, a)) == ("none", None, None)
        # She gets no presence of his, and he keeps no trace of her.
        await alice.none_received(is_presence(BOB + "/desk"), since=a, seconds=0.3)
        assert ALICE not in await roster_of(bob)
        await alice.close()
        await bob.close()

    run(body())


def test_withdrawn_request(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "subscribe")
        await bob.received(is_presence(ALICE, "subscribe"), since=b)
        await pushed(alice, BOB, a)

        # alice changes her mind before bob answers (Appendix A.2.2).
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "unsubscribe")
        assert state(await pushed(alice, BOB, a)) == ("none", None, None)
        await bob.received(is_presence(ALICE, "unsubscribe"), since=b)
        # She never had his presence and learns nothing of it now.
        await alice.none_received(is_presence(BOB + "/desk"), since=a, seconds=0.3)
        # The request is gone: his next login does not bring it back.
        await bob.close()
        bob = await online(suite, BOB + "/laptop")
        await bob.none_received(is_presence(ALICE, "subscribe"), seconds=0.3)
        assert ALICE not in await roster_of(bob)
        await alice.close()
        await bob.close()

    run(body())


# ---- presence broadcast ------------------------------------------------------------------


def test_broadcast_and_logout(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        await befriend(alice, bob)

        # bob goes away: alice sees it from his full JID (RFC 6121 §4.4).
        a = alice.mark()
        bob.send_presence(pshow="away", pstatus="lunch")
        away = await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        assert away["show"] == "away"
        assert away["status"] == "lunch"
        assert away["to"] == alice.boundjid

        # And back.
        a = alice.mark()
        bob.send_presence()
        back = await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        assert back["show"] == ""

        # bob logs out: alice gets his unavailable presence (§4.5).
        a = alice.mark()
        await bob.close()
        gone = await alice.received(is_presence(BOB + "/desk", "unavailable"), since=a)
        assert gone["to"] == alice.boundjid
        await alice.close()

    run(body())


def test_unavailable_when_connection_drops(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        await befriend(alice, bob)

        # bob's network goes: no </stream:stream>, the TCP connection just
        # ends. The server still tells his contacts (RFC 6121 §4.5.2).
        a = alice.mark()
        bob.drop()
        await alice.received(is_presence(BOB + "/desk", "unavailable"), since=a)
        await alice.close()

    run(body())


def test_own_resources_see_each_other(suite):
    suite.add_user("alice", "pw")

    async def body():
        phone = await online(suite, ALICE + "/phone")
        # §4.2.2 / §4.4.2: the user's other available resources get the
        # presence too, and a new resource learns of those already there.
        p = phone.mark()
        laptop = await online(suite, ALICE + "/laptop")
        await phone.received(is_presence(ALICE + "/laptop", "available"), since=p)
        await laptop.received(is_presence(ALICE + "/phone", "available"))
        p = phone.mark()
        await laptop.close()
        await phone.received(is_presence(ALICE + "/laptop", "unavailable"), since=p)
        await phone.close()

    run(body())


def test_initial_presence_probes_contacts(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        await befriend(alice, bob)
        bob.send_presence(pshow="dnd", pstatus="busy")
        await alice.close()

        # alice comes back while bob is online: her initial presence makes
        # the server probe her contacts (§4.2.2), and bob's server answers
        # with his current presence (§4.3.2).
        b = bob.mark()
        alice = await online(suite, ALICE + "/laptop")
        seen = await alice.received(is_presence(BOB + "/desk", "available"))
        assert seen["show"] == "dnd"
        assert seen["status"] == "busy"
        # And bob gets her new presence.
        await bob.received(is_presence(ALICE + "/laptop", "available"), since=b)
        await alice.close()
        await bob.close()

    run(body())


def test_probe_only_answers_subscribers(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        bob = await online(suite, BOB + "/desk")
        # alice is no contact of bob's: logging in (and probing) tells her nothing.
        alice = await online(suite, ALICE + "/phone")
        await alice.none_received(is_presence(BOB + "/desk"), seconds=0.3)
        await alice.close()
        await bob.close()

    run(body())


# ---- requests to offline users --------------------------------------------------------------


def test_request_to_offline_user_waits_for_login(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        a = alice.mark()
        send(alice, BOB, "subscribe", status="It's alice")
        assert state(await pushed(alice, BOB, a)) == ("none", "subscribe", None)

        # bob was offline: the request is kept (§3.1.3) and delivered when
        # he becomes available, with what alice wrote.
        bob = await online(suite, BOB + "/desk")
        request = await bob.received(is_presence(ALICE, "subscribe"))
        assert request["status"] == "It's alice"
        assert ALICE not in await roster_of(bob)
        # Unanswered, it comes again at his next login.
        await bob.close()
        bob = await online(suite, BOB + "/laptop")
        await bob.received(is_presence(ALICE, "subscribe"))

        # He answers now; the request is not delivered again.
        a = alice.mark()
        send(bob, ALICE, "subscribed")
        assert state(await pushed(alice, BOB, a)) == ("to", None, None)
        await bob.close()
        bob = await online(suite, BOB + "/desk")
        await bob.none_received(is_presence(ALICE, "subscribe"), seconds=0.3)
        await alice.close()
        await bob.close()

    run(body())


# ---- cancelling ----------------------------------------------------------------------------


def test_unsubscribe_then_unsubscribed(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        await befriend(alice, bob)

        # alice no longer wants bob's presence (§3.3).
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "unsubscribe")
        assert state(await pushed(alice, BOB, a)) == ("from", None, None)
        await bob.received(is_presence(ALICE, "unsubscribe"), since=b)
        assert state(await pushed(bob, ALICE, b)) == ("to", None, None)
        # §3.3.3: bob's server tells her he is gone for her.
        await alice.received(is_presence(BOB + "/desk", "unavailable"), since=a)

        # bob's presence changes no longer reach her; hers still reach him.
        a, b = alice.mark(), bob.mark()
        bob.send_presence(pshow="xa")
        alice.send_presence(pshow="chat")
        await bob.received(is_presence(ALICE + "/phone", "available"), since=b)
        await alice.none_received(is_presence(BOB + "/desk"), since=a, seconds=0.3)

        # Then she cancels his subscription to her (§3.2).
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "unsubscribed")
        assert state(await pushed(alice, BOB, a)) == ("none", None, None)
        await bob.received(is_presence(ALICE, "unsubscribed"), since=b)
        assert state(await pushed(bob, ALICE, b)) == ("none", None, None)
        # §3.2.2: and he sees her go offline.
        await bob.received(is_presence(ALICE + "/phone", "unavailable"), since=b)

        # Both keep the other in their roster, with no subscription.
        assert state((await roster_of(alice))[BOB]) == ("none", None, None)
        assert state((await roster_of(bob))[ALICE]) == ("none", None, None)
        await alice.close()
        await bob.close()

    run(body())


def test_removing_a_contact_cancels_both_ways(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")
        await befriend(alice, bob)

        # RFC 6121 §2.5.2: removing bob unsubscribes and unsubscribes him.
        a, b = alice.mark(), bob.mark()
        iq = alice.Iq()
        iq["type"] = "set"
        iq.append(ET.fromstring("<query xmlns='%s'><item jid='%s' subscription='remove'/>"
                                "</query>" % (NS_ROSTER, BOB)))
        assert (await alice.query(iq))["type"] == "result"
        assert (await pushed(alice, BOB, a))["subscription"] == "remove"
        await bob.received(is_presence(ALICE, "unsubscribe"), since=b)
        await bob.received(is_presence(ALICE, "unsubscribed"), since=b)
        # As after any cancellation (§3.2.2), bob sees her go offline.
        await bob.received(is_presence(ALICE + "/phone", "unavailable"), since=b)
        await bob.received(lambda st: is_roster_push(ALICE)(st) and
                           roster_items(st)[0]["subscription"] == "none", since=b,
                           what="push of the cancelled subscription")
        assert state((await roster_of(bob))[ALICE]) == ("none", None, None)
        assert BOB not in await roster_of(alice)
        # Her presence no longer goes to him.
        b = bob.mark()
        alice.send_presence(pshow="away")
        await bob.none_received(is_presence(ALICE + "/phone"), since=b, seconds=0.3)
        await alice.close()
        await bob.close()

    run(body())


# ---- pre-approval (RFC 6121 §3.4) -----------------------------------------------------------


def test_pre_approval(suite):
    for user in ("alice", "bob"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        bob = await online(suite, BOB + "/desk")

        # bob approves alice before she asks (§3.4.1): his roster has her,
        # subscription none, approved; she hears nothing yet.
        a, b = alice.mark(), bob.mark()
        send(bob, ALICE, "subscribed")
        assert state(await pushed(bob, ALICE, b)) == ("none", None, "true")
        await alice.none_received(is_presence(BOB), since=a, seconds=0.3)

        # Her request later is approved by his server at once (§3.4.2):
        # bob's client is not asked.
        a, b = alice.mark(), bob.mark()
        send(alice, BOB, "subscribe")
        await alice.received(is_presence(BOB, "subscribed"), since=a)
        await alice.received(lambda st: is_roster_push(BOB)(st) and
                             state(roster_items(st)[0]) == ("to", None, None), since=a,
                             what="push of the approved subscription")
        await alice.received(is_presence(BOB + "/desk", "available"), since=a)
        assert state(await pushed(bob, ALICE, b)) == ("from", None, None)
        await bob.none_received(is_presence(ALICE, "subscribe"), since=b, seconds=0.3)
        await alice.close()
        await bob.close()

    run(body())


# ---- directed presence (RFC 6121 §4.6) -------------------------------------------------------


def test_directed_presence_to_non_contact(suite):
    for user in ("alice", "carol"):
        suite.add_user(user, "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        carol = await online(suite, CAROL + "/desk")
        # alice tells carol, who is no contact of hers, that she is here.
        c = carol.mark()
        send(alice, CAROL + "/desk", status="hi carol")
        hello = await carol.received(is_presence(ALICE + "/phone", "available"), since=c)
        assert hello["status"] == "hi carol"
        assert hello["to"] == carol.boundjid
        # Her broadcasts do not reach carol ...
        c = carol.mark()
        alice.send_presence(pshow="away")
        await carol.none_received(is_presence(ALICE + "/phone"), since=c, seconds=0.3)
        # ... but when alice leaves, carol learns it (§4.6.3).
        c = carol.mark()
        await alice.close()
        await carol.received(is_presence(ALICE + "/phone", "unavailable"), since=c)
        await carol.close()

    run(body())


def test_presence_to_unknown_local_user_is_ignored(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await online(suite, ALICE + "/phone")
        # RFC 6121 §8.5.1: presence to an account that does not exist is
        # dropped without an error, whatever its type.
        a = alice.mark()
        send(alice, "nobody@localhost", status="anyone?")
        send(alice, "nobody@localhost/res")
        send(alice, "nobody@localhost", "probe")
        send(alice, "nobody@localhost", "subscribe")
        await alice.none_received(is_presence(type="error"), since=a, seconds=0.5)
        await alice.none_received(is_presence("nobody@localhost"), since=a, seconds=0.1)
        # And the server keeps no state for the missing account.
        assert stored_rows(suite, "roster-items", "nobody@localhost") == 0
        await alice.close()

    run(body())
