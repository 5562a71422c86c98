"""The roster (RFC 6121 §2) through the real sm: get, set, update, remove,
the pushes every interested resource gets, the errors for invalid sets, and
that the roster is stored."""

from slixmpp.xmlstream import ET

from xmpp import NS_ROSTER, error_condition, is_roster_push, login, roster_items, run


def roster_iq(client, type, *items, to=None):
    """An iq of `type` with a roster query holding `items`, literal XML, so
    that tests can send what a client library's roster API would refuse to."""
    iq = client.Iq()
    iq["type"] = type
    if to:
        iq["to"] = to
    iq.append(ET.fromstring("<query xmlns='%s'>%s</query>" % (NS_ROSTER, "".join(items))))
    return iq


async def roster_of(client):
    """The user's roster as the server returns it to `client`."""
    answer = await client.query(roster_iq(client, "get"))
    assert answer["type"] == "result", answer
    return roster_items(answer)


async def set_item(client, item_xml):
    """A roster set with one literal item; returns the server's answer."""
    return await client.query(roster_iq(client, "set", item_xml))


async def two_resources(suite):
    """alice on two resources, both having asked for the roster."""
    phone = await login(suite, "alice@localhost/phone", "pw")
    laptop = await login(suite, "alice@localhost/laptop", "pw")
    return phone, laptop


def test_empty_roster(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/phone", "pw")
        answer = await alice.query(roster_iq(alice, "get"))
        assert answer["type"] == "result"
        query = answer.xml.find("{%s}query" % NS_ROSTER)
        assert query is not None and len(query) == 0
        # RFC 6121 §2.1.3: the answer comes from the account, to the resource.
        assert answer["from"].full in ("", "alice@localhost")
        assert answer["to"] == alice.boundjid
        await alice.close()

    run(body())


def test_add_update_remove_pushes_to_every_resource(suite):
    suite.add_user("alice", "pw")

    async def body():
        phone, laptop = await two_resources(suite)

        # phone adds bob with a name and two groups.
        marks = phone.mark(), laptop.mark()
        answer = await set_item(phone, "<item jid='bob@localhost' name='Bob'>"
                                       "<group>Friends</group><group>Work</group></item>")
        assert answer["type"] == "result"
        assert answer.xml.find("{%s}query" % NS_ROSTER) is None
        # RFC 6121 §2.1.6: both resources that asked for the roster get the push.
        for client, mark in zip((phone, laptop), marks):
            push = await client.received(is_roster_push("bob@localhost"), since=mark)
            assert push["from"].full in ("", "alice@localhost")
            assert push["to"] == client.boundjid
            assert push["id"]
            [item] = roster_items(push)
            assert item["name"] == "Bob"
            assert item["subscription"] == "none"
            assert "ask" not in item
            assert sorted(item["groups"]) == ["Friends", "Work"]
        [item] = await roster_of(laptop)
        assert item["jid"] == "bob@localhost"
        assert sorted(item["groups"]) == ["Friends", "Work"]

        # laptop renames him and changes his groups.
        marks = phone.mark(), laptop.mark()
        answer = await set_item(laptop, "<item jid='bob@localhost' name='Robert'>"
                                        "<group>Family</group></item>")
        assert answer["type"] == "result"
        for client, mark in zip((phone, laptop), marks):
            push = await client.received(is_roster_push("bob@localhost"), since=mark)
            [item] = roster_items(push)
            assert item["name"] == "Robert"
            assert item["groups"] == ["Family"]
        [item] = await roster_of(phone)
        assert (item["name"], item["groups"]) == ("Robert", ["Family"])

        # phone removes him: both get a push with subscription='remove'.
        marks = phone.mark(), laptop.mark()
        answer = await set_item(phone, "<item jid='bob@localhost' subscription='remove'/>")
        assert answer["type"] == "result"
        for client, mark in zip((phone, laptop), marks):
            push = await client.received(is_roster_push("bob@localhost"), since=mark)
            [item] = roster_items(push)
            assert item["subscription"] == "remove"
        assert await roster_of(laptop) == []

        # Removing him again: there is nothing to remove (§2.5.3).
        answer = await set_item(phone, "<item jid='bob@localhost' subscription='remove'/>")
        assert answer["type"] == "error"
        assert error_condition(answer) == "item-not-found"
        await phone.close()
        await laptop.close()

    run(body())


def test_resource_without_roster_request_gets_no_push(suite):
    suite.add_user("alice", "pw")

    async def body():
        phone = await login(suite, "alice@localhost/phone", "pw")
        # A resource that never asked for the roster is not "interested"
        # (RFC 6121 §2.1.6) and gets no pushes.
        bot = await login(suite, "alice@localhost/bot", "pw", initial_presence=False)
        mark = bot.mark()
        answer = await set_item(phone, "<item jid='bob@localhost'/>")
        assert answer["type"] == "result"
        await phone.received(is_roster_push("bob@localhost"))
        await bot.none_received(is_roster_push(), since=mark)
        await phone.close()
        await bot.close()

    run(body())


def test_invalid_sets(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/phone", "pw")
        mark = alice.mark()

        # RFC 6121 §2.3.3: exactly one item per set.
        answer = await alice.query(roster_iq(alice, "set", "<item jid='bob@localhost'/>",
                                             "<item jid='carol@localhost'/>"))
        assert answer["type"] == "error"
        assert error_condition(answer) == "bad-request"
        error = answer.xml.find("{jabber:client}error")
        assert error.get("type") == "modify"

        # §2.3.3: the same group twice.
        answer = await set_item(alice, "<item jid='bob@localhost'>"
                                       "<group>Friends</group><group>Friends</group></item>")
        assert error_condition(answer) == "bad-request"

        # §2.3.3: a group with an empty name.
        answer = await set_item(alice, "<item jid='bob@localhost'><group></group></item>")
        assert error_condition(answer) == "not-acceptable"

        # Nothing was stored, nothing was pushed.
        assert await roster_of(alice) == []
        await alice.none_received(is_roster_push(), since=mark)
        await alice.close()

    run(body())


def test_set_cannot_change_subscription_state(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/phone", "pw")
        # RFC 6121 §2.1.2.5: in a roster set the server ignores any
        # 'subscription' but "remove", and 'ask' / 'approved' (§2.1.2.1-2):
        # subscription states change only through presence.
        for attrs in ("subscription='both'", "subscription='from' ask='subscribe'",
                      "subscription='bogus' approved='true'"):
            mark = alice.mark()
            answer = await set_item(alice, "<item jid='bob@localhost' name='Bob' %s/>" % attrs)
            assert answer["type"] == "result", attrs
            push = await alice.received(is_roster_push("bob@localhost"), since=mark)
            [item] = roster_items(push)
            assert item == {"jid": "bob@localhost", "name": "Bob", "subscription": "none",
                            "groups": []}, attrs
        [item] = await roster_of(alice)
        assert item["subscription"] == "none" and "ask" not in item and "approved" not in item
        await alice.close()

    run(body())


def test_roster_of_another_account_is_not_served(suite):
    suite.add_user("alice", "pw")
    suite.add_user("bob", "pw")

    async def body():
        bob = await login(suite, "bob@localhost/desk", "pw")
        assert (await set_item(bob, "<item jid='carol@localhost' name='Carol'/>"))["type"] == "result"
        alice = await login(suite, "alice@localhost/phone", "pw")
        # alice asks bob's account for its roster: RFC 6121 §2.1.5 / §8.5.2.1.3,
        # the server answers service-unavailable and gives nothing away.
        answer = await alice.query(roster_iq(alice, "get", to="bob@localhost"))
        assert answer["type"] == "error"
        assert error_condition(answer) == "service-unavailable"
        assert answer["from"] == "bob@localhost"
        assert "carol" not in str(answer)
        # Nor may she change it.
        mark = bob.mark()
        answer = await alice.query(roster_iq(alice, "set", "<item jid='mallory@localhost'/>",
                                             to="bob@localhost"))
        assert error_condition(answer) == "service-unavailable"
        assert [i["jid"] for i in await roster_of(bob)] == ["carol@localhost"]
        await bob.none_received(is_roster_push(), since=mark)
        await alice.close()
        await bob.close()

    run(body())


def test_roster_is_stored(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, "alice@localhost/phone", "pw")
        answer = await set_item(alice, "<item jid='bob@localhost' name='Bob'>"
                                       "<group>Friends</group></item>")
        assert answer["type"] == "result"
        await alice.close()

    run(body())
    # The sm starts afresh: what it knows now comes from the database.
    suite.stop("sm-1")
    suite.start("sm-1")

    async def later():
        alice = await login(suite, "alice@localhost/laptop", "pw")
        [item] = await roster_of(alice)
        assert item == {"jid": "bob@localhost", "name": "Bob", "subscription": "none",
                        "groups": ["Friends"]}
        await alice.close()

    run(later())
