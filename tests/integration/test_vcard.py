"""vCards (XEP-0054) through the real daemons: a user sets their own with
slixmpp's vcard-temp plugin and anyone gets it back; a user without one has
an empty card, an account that does not exist has none; a vCard over the
configured size is refused and nothing is stored."""

import pytest
from slixmpp.exceptions import IqError

from user_services import assert_error, child, error_text, request, sql
from xmpp import login, run, stored_rows

NS = "vcard-temp"


@pytest.fixture
def server(suites):
    def edit(name, tree):
        if name == "sm-1":
            tree.getroot().find("vcard").set("max-bytes", "4096")
    s = suites.make(edit=edit)
    for user in ("alice", "bob", "carol"):
        s.add_user(user, user + "-pw")
    return s


async def vcard_client(server, jid, password):
    c = await login(server, jid, password)
    c.register_plugin("xep_0054")
    return c


def text_of(card, name):
    e = card.find("{%s}%s" % (NS, name))
    return None if e is None else e.text


def test_set_and_get_own_vcard(server):
    async def body():
        alice = await vcard_client(server, "alice@localhost/home", "alice-pw")
        card = alice["xep_0054"].make_vcard()
        card["FN"] = "Alice Liddell"
        card["NICKNAME"] = "alice"
        card["BDAY"] = "1852-05-04"
        await alice["xep_0054"].publish_vcard(card)
        assert stored_rows(server, "vcard", "alice@localhost") == 1

        # Fetched from the server, not slixmpp's cache: to the bare JID ...
        got = await alice["xep_0054"].get_vcard("alice@localhost")
        assert got["type"] == "result"
        assert got["vcard_temp"]["FN"] == "Alice Liddell"
        assert got["vcard_temp"]["NICKNAME"] == ["alice"]
        # ... and without 'to', which is the user's own account.
        own = await request(alice, "get", "<vCard xmlns='vcard-temp'/>")
        assert own["type"] == "result"
        assert text_of(child(own, NS, "vCard"), "FN") == "Alice Liddell"

        # A new set replaces the card; what clients add beyond the fields
        # jabberd2 knew (extensions, repeated fields) is kept.
        answer = await request(alice, "set",
                               "<vCard xmlns='vcard-temp'><FN>Alice L.</FN>"
                               "<EMAIL><HOME/><USERID>a@example.com</USERID></EMAIL>"
                               "<EMAIL><WORK/><USERID>al@example.com</USERID></EMAIL>"
                               "<X-EXTRA xmlns='urn:example:extra'>kept</X-EXTRA></vCard>")
        assert answer["type"] == "result", str(answer)
        again = child(await request(alice, "get", "<vCard xmlns='vcard-temp'/>"), NS, "vCard")
        assert text_of(again, "FN") == "Alice L."
        assert len(again.findall("{%s}EMAIL" % NS)) == 2
        assert again.find("{urn:example:extra}X-EXTRA").text == "kept"
        await alice.close()

    run(body())


def test_other_users_vcards(server):
    async def body():
        alice = await vcard_client(server, "alice@localhost/home", "alice-pw")
        card = alice["xep_0054"].make_vcard()
        card["FN"] = "Alice Liddell"
        await alice["xep_0054"].publish_vcard(card)

        # No subscription needed: a vCard is a public card.
        bob = await vcard_client(server, "bob@localhost/work", "bob-pw")
        got = await bob["xep_0054"].get_vcard("alice@localhost")
        assert got["vcard_temp"]["FN"] == "Alice Liddell"

        # An account without a vCard has an empty one.
        empty = await request(bob, "get", "<vCard xmlns='vcard-temp'/>", to="carol@localhost")
        assert empty["type"] == "result"
        card = child(empty, NS, "vCard")
        assert card is not None and len(card) == 0

        # RFC 6121 §8.5.1: an account that does not exist has none.
        missing = await request(bob, "get", "<vCard xmlns='vcard-temp'/>", to="nobody@localhost")
        assert_error(missing, "service-unavailable")

        # Only its owner sets a vCard.
        forged = await request(bob, "set", "<vCard xmlns='vcard-temp'><FN>Mallory</FN></vCard>",
                               to="alice@localhost")
        assert_error(forged, "forbidden")
        still = await bob["xep_0054"].get_vcard("alice@localhost")
        assert still["vcard_temp"]["FN"] == "Alice Liddell"
        await alice.close()
        await bob.close()

    run(body())


def test_oversized_vcard_is_refused_and_nothing_stored(server):
    async def body():
        alice = await vcard_client(server, "alice@localhost/home", "alice-pw")
        photo = "QUJD" * 1500  # 6000 bytes of base64: over the 4096 configured
        big = ("<vCard xmlns='vcard-temp'><FN>Alice</FN><PHOTO><TYPE>image/png</TYPE>"
               "<BINVAL>%s</BINVAL></PHOTO></vCard>" % photo)
        refused = await request(alice, "set", big)
        assert_error(refused, "not-acceptable")
        assert "4096" in error_text(refused)
        assert photo not in str(refused), "the error carries the photo back"
        assert stored_rows(server, "vcard", "alice@localhost") == 0

        # A card within the limit is kept, and a later oversized one does
        # not replace it.
        small = "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>"
        assert (await request(alice, "set", small))["type"] == "result"
        assert_error(await request(alice, "set", big), "not-acceptable")
        kept = child(await request(alice, "get", "<vCard xmlns='vcard-temp'/>"), NS, "vCard")
        assert text_of(kept, "FN") == "Alice" and kept.find("{%s}PHOTO" % NS) is None
        await alice.close()

    run(body())


def test_an_empty_vcard_removes_the_stored_one(server):
    async def body():
        alice = await vcard_client(server, "alice@localhost/home", "alice-pw")
        await request(alice, "set", "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>")
        assert stored_rows(server, "vcard", "alice@localhost") == 1
        cleared = await request(alice, "set", "<vCard xmlns='vcard-temp'/>")
        assert cleared["type"] == "result"
        assert stored_rows(server, "vcard", "alice@localhost") == 0
        card = child(await request(alice, "get", "<vCard xmlns='vcard-temp'/>"), NS, "vCard")
        assert card is not None and len(card) == 0
        await alice.close()

    run(body())


def test_a_damaged_stored_vcard_is_not_sent(server):
    async def body():
        alice = await vcard_client(server, "alice@localhost/home", "alice-pw")
        await request(alice, "set", "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>")
        for damage in ("<vCard xmlns='vcard-temp'><FN>cut short",
                       "<query xmlns='jabber:iq:roster'/>"):
            sql(server, 'UPDATE "vcard" SET "xml" = ? WHERE "collection-owner" = ?',
                (damage, "alice@localhost"))
            bob = await vcard_client(server, "bob@localhost/work", "bob-pw")
            try:
                answer = await bob["xep_0054"].get_vcard("alice@localhost")
            except IqError as e:
                answer = e.iq
            assert_error(answer, "internal-server-error")
            assert "roster" not in str(answer) and "cut short" not in str(answer)
            await bob.close()
        server.wait_log("sm-1", "is damaged")
        # The owner can set a good one again.
        good = "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>"
        assert (await request(alice, "set", good))["type"] == "result"
        assert (await alice["xep_0054"].get_vcard("alice@localhost"))["vcard_temp"]["FN"] == "Alice"
        await alice.close()

    run(body())
