"""Idle sessions give their XML parser back (c2s <limits hibernate-after/>)
and get a new one, primed with their stream header, when they speak again:
through the real c2s, with sessions that stay quiet long enough, then talk."""

import time

from slixmpp.xmlstream import ET

from conftest import set_limits
from xmpp import login, run

NS_CHATSTATES = "http://jabber.org/protocol/chatstates"


def quiet_sessions(suite, count, timeout=15):
    """Waits until c2s says `count` sessions have had their parser freed."""
    deadline = time.monotonic() + timeout
    while True:
        freed = suite.log_text("c2s-1").count("XML parser freed")
        if freed >= count:
            return freed
        assert time.monotonic() < deadline, (
            "%d of %d parsers freed:\n%s" % (freed, count, suite.tail("c2s-1")))
        time.sleep(0.2)


def hibernating_suite(suites):
    suite = suites.make(edit=set_limits("c2s", hibernate_after=1))
    suite.add_user("alice", "alice-pw")
    suite.add_user("bob", "bob-pw")
    return suite


def test_quiet_sessions_wake_and_talk(suites):
    suite = hibernating_suite(suites)

    async def body():
        alice = await login(suite, "alice@localhost/quiet", "alice-pw")
        bob = await login(suite, "bob@localhost/quiet", "bob-pw")
        quiet_sessions(suite, 2)

        # Both directions, and a payload in a namespace of its own.
        alice.send_message(mto="bob@localhost/quiet", mbody="wake up", mtype="chat")
        got = await bob.expect(lambda st: st.name == "message" and st["body"] == "wake up",
                               what="the first message after hibernation")
        assert got["from"] == "alice@localhost/quiet"
        reply = bob.make_message(mto="alice@localhost/quiet", mbody="awake", mtype="chat")
        reply.append(ET.fromstring("<active xmlns='%s'/>" % NS_CHATSTATES))
        reply.send()
        got = await alice.expect(lambda st: st.name == "message" and st["body"] == "awake",
                                 what="the reply")
        assert got.xml.find("{%s}active" % NS_CHATSTATES) is not None

        # Quiet again, and again able to talk.
        quiet_sessions(suite, 4)
        # Raises unless the server answers.
        await alice["xep_0199"].ping(jid="localhost", timeout=10)
        await alice.close()
        await bob.close()
    run(body())
