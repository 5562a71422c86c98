"""Private XML storage (XEP-0049) through the real daemons: a user keeps one
element per namespace and gets it back, from any resource and after logging
in again; reserved namespaces and malformed requests are refused; no one
else reads or writes a user's private XML."""

import pytest

from user_services import assert_error, child, error_text, request
from xmpp import login, run, stored_rows

NS = "jabber:iq:private"

BOOKMARKS = ("<storage xmlns='storage:bookmarks'>"
             "<conference name='Council' autojoin='true' jid='council@conference.localhost'>"
             "<nick>alice</nick></conference>"
             "<url name='Home' url='https://example.com/'/></storage>")


def query(inner=""):
    return "<query xmlns='%s'>%s</query>" % (NS, inner)


@pytest.fixture
def server(suites):
    def edit(name, tree):
        if name == "sm-1":
            tree.getroot().find("private").set("max-bytes", "2048")
    s = suites.make(edit=edit)
    s.add_user("alice", "alice-pw")
    s.add_user("bob", "bob-pw")
    return s


def stored(answer, ns, name):
    q = child(answer, NS, "query")
    assert q is not None, str(answer)
    return q.find("{%s}%s" % (ns, name))


def test_round_trip(server):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        assert (await request(alice, "set", query(BOOKMARKS)))["type"] == "result"
        assert stored_rows(server, "private", "alice@localhost") == 1
        await alice.close()

        # Another resource, another login: the same element comes back.
        alice = await login(server, "alice@localhost/phone", "alice-pw")
        got = await request(alice, "get", query("<storage xmlns='storage:bookmarks'/>"))
        assert got["type"] == "result"
        storage = stored(got, "storage:bookmarks", "storage")
        room = storage.find("{storage:bookmarks}conference")
        assert room.get("jid") == "council@conference.localhost"
        assert room.find("{storage:bookmarks}nick").text == "alice"
        assert storage.find("{storage:bookmarks}url").get("url") == "https://example.com/"

        # Namespaces are kept apart; nothing stored comes back empty (§2.3).
        await request(alice, "set", query("<prefs xmlns='exodus:prefs'><nick>A</nick></prefs>"))
        empty = await request(alice, "get", query("<roster xmlns='storage:rosternotes'/>"))
        assert empty["type"] == "result"
        notes = stored(empty, "storage:rosternotes", "roster")
        assert notes is not None and len(notes) == 0
        prefs = stored(await request(alice, "get", query("<prefs xmlns='exodus:prefs'/>")),
                       "exodus:prefs", "prefs")
        assert prefs.find("{exodus:prefs}nick").text == "A"

        # A set replaces what the namespace held.
        await request(alice, "set", query("<storage xmlns='storage:bookmarks'/>"))
        cleared = stored(await request(alice, "get", query("<storage xmlns='storage:bookmarks'/>")),
                         "storage:bookmarks", "storage")
        assert len(cleared) == 0
        assert stored_rows(server, "private", "alice@localhost") == 2
        await alice.close()

    run(body())


def test_slixmpp_private_storage_plugin(server):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        alice.register_plugin("xep_0048")  # bookmarks, kept in private storage
        bookmarks = alice["xep_0048"].stanza.Bookmarks()
        bookmarks.add_conference("tea@conference.localhost", "alice", name="Tea", autojoin=True)
        await alice["xep_0048"].set_bookmarks(bookmarks, method="xep_0049")
        got = await alice["xep_0048"].get_bookmarks(method="xep_0049")
        rooms = got["private"]["bookmarks"]["conferences"]
        assert [str(r["jid"]) for r in rooms] == ["tea@conference.localhost"]
        await alice.close()

    run(body())


@pytest.mark.parametrize("ns", ["jabber:client", "jabber:server", "jabber:iq:roster",
                                "jabber:iq:private", "vcard-temp",
                                "urn:ietf:params:xml:ns:xmpp-stanzas"])
def test_reserved_namespaces_are_refused(server, ns):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        for type in ("set", "get"):
            answer = await request(alice, type, query("<x xmlns='%s'><y/></x>" % ns))
            assert_error(answer, "not-acceptable")
            assert ns in error_text(answer)
        assert stored_rows(server, "private", "alice@localhost") == 0
        await alice.close()

    run(body())


def test_malformed_requests(server):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        # No element: no namespace to work on. Two: one per request.
        assert_error(await request(alice, "get", query()), "bad-request")
        assert_error(await request(alice, "set", query()), "bad-request")
        assert_error(await request(alice, "set", query("<a xmlns='urn:a'/><b xmlns='urn:b'/>")),
                     "bad-request")
        # Over the configured size.
        big = query("<notes xmlns='urn:example:notes'>%s</notes>" % ("n" * 3000))
        refused = await request(alice, "set", big)
        assert_error(refused, "not-acceptable")
        assert "2048" in error_text(refused)
        assert stored_rows(server, "private", "alice@localhost") == 0
        await alice.close()

    run(body())


def test_no_one_else_reads_or_writes_it(server):
    async def body():
        alice = await login(server, "alice@localhost/home", "alice-pw")
        await request(alice, "set", query(BOOKMARKS))
        bob = await login(server, "bob@localhost/work", "bob-pw")
        for type in ("get", "set"):
            answer = await request(bob, type, query("<storage xmlns='storage:bookmarks'/>"),
                                   to="alice@localhost")
            assert_error(answer, "forbidden")
            assert "council" not in str(answer)
        # Bob's empty set did not clear alice's bookmarks.
        mine = stored(await request(alice, "get", query("<storage xmlns='storage:bookmarks'/>")),
                      "storage:bookmarks", "storage")
        room = mine.find("{storage:bookmarks}conference")
        assert room.get("jid") == "council@conference.localhost"
        # RFC 6121 §8.5.1: an account that does not exist.
        assert_error(await request(bob, "get", query("<storage xmlns='storage:bookmarks'/>"),
                                   to="nobody@localhost"), "service-unavailable")
        # Bob's own storage is his: he does not see alice's.
        own = await request(bob, "get", query("<storage xmlns='storage:bookmarks'/>"))
        assert len(stored(own, "storage:bookmarks", "storage")) == 0
        assert stored_rows(server, "private", "bob@localhost") == 0
        await alice.close()
        await bob.close()

    run(body())
