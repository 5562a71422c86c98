"""The server's service discovery (XEP-0030) through the real daemons: its
disco#items list the components bound at the router under the domain and
the items stored for it, never our own daemons' names; its disco#info lists
the features of the per-user service modules."""

import asyncio
import secrets
import xml.etree.ElementTree as ET

import pytest

from user_services import assert_error, request, sql
from xmpp import Component, login, run

ITEMS = "http://jabber.org/protocol/disco#items"
INFO = "http://jabber.org/protocol/disco#info"
PUBSUB, IRC = "pubsub.localhost", "irc.localhost"


@pytest.fixture
def server(suites):
    keys = {PUBSUB: secrets.token_hex(16), IRC: secrets.token_hex(16)}

    def edit(name, tree):
        if name == "router-users":
            for component, secret in keys.items():
                ET.SubElement(tree.getroot(), "component", name=component, secret=secret)
    s = suites.make(edit=edit)
    s.keys = keys
    s.add_user("alice", "alice-pw")
    return s


async def items_of(client, node=None):
    payload = "<query xmlns='%s'%s/>" % (ITEMS, " node='%s'" % node if node else "")
    answer = await request(client, "get", payload, to="localhost")
    assert answer["type"] == "result", str(answer)
    return {(i.get("jid"), i.get("name"), i.get("node"))
            for i in answer.xml.find("{%s}query" % ITEMS)}


async def server_forgets(client, name):
    """Waits until the server no longer lists `name` (the router tells the
    sm that a component went away as it notices)."""
    for _ in range(100):
        if name not in {jid for jid, _, _ in await items_of(client)}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("%s still listed" % name)


def test_items_are_components_and_stored_entries(server):
    sql(server, 'INSERT INTO "disco-items" ("collection-owner", "jid", "name", "node") '
                'VALUES (?, ?, ?, ?)', ("localhost", PUBSUB, "Publish-Subscribe", ""))
    sql(server, 'INSERT INTO "disco-items" ("collection-owner", "jid", "name", "node") '
                'VALUES (?, ?, ?, ?)', ("localhost", "news.example.org", "News", "feeds"))

    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        # Stored items are listed whether or not a component is there.
        assert await items_of(alice) == {(PUBSUB, "Publish-Subscribe", None),
                                         ("news.example.org", "News", "feeds")}

        components = []
        for name in (PUBSUB, IRC):
            c = Component(server, name, server.keys[name])
            assert await c.attach(), c.stream_errors
            components.append(c)
        items = await items_of(alice)
        assert items == {(PUBSUB, "Publish-Subscribe", None), (IRC, None, None),
                         ("news.example.org", "News", "feeds")}
        jids = {jid for jid, _, _ in items}
        for own in ("localhost", "sm-1", "c2s-1", "resolver", "s2s"):
            assert own not in jids

        # A component that goes away leaves the list; a stored item stays.
        await components[1].close()
        await server_forgets(alice, IRC)
        assert await items_of(alice) == {(PUBSUB, "Publish-Subscribe", None),
                                         ("news.example.org", "News", "feeds")}
        await components[0].close()
        await alice.close()

    run(body())


def test_a_node_has_no_items(server):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        answer = await request(alice, "get", "<query xmlns='%s' node='x'/>" % ITEMS, to="localhost")
        assert_error(answer, "item-not-found")
        await alice.close()

    run(body())


def test_features_of_the_user_service_modules(server):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        answer = await request(alice, "get", "<query xmlns='%s'/>" % INFO, to="localhost")
        features = {f.get("var") for f in answer.xml.find("{%s}query" % INFO).findall(
            "{%s}feature" % INFO)}
        for feature in ("vcard-temp", "jabber:iq:private", "jabber:iq:last",
                        "jabber:iq:register"):
            assert feature in features
        await alice.close()

    run(body())
