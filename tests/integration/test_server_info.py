"""What the server tells about itself and how it watches its sessions:
software version (XEP-0092, shown or hidden by config), entity time
(XEP-0202), the features it advertises, and pings to idle sessions
(XEP-0199 §4.2) that end the sessions that do not answer."""

import asyncio
import datetime
import os
import re
import xml.etree.ElementTree as ET

from slixmpp.xmlstream import ET as SET

from xmpp import Raw, error_condition, login, run

ALICE = "alice@localhost"
NS_VERSION = "jabber:iq:version"
NS_TIME = "urn:xmpp:time"
NS_PING = "urn:xmpp:ping"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def project_version():
    """The version CMakeLists.txt gives the project."""
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(jabberd-ng VERSION ([0-9.]+)", f.read()).group(1)


def sm_setting(element, **attrs):
    """An edit for suites.make: sets attributes of <element/> in sm.xml."""
    def edit(name, tree):
        if name.startswith("sm"):
            node = tree.getroot().find(element)
            if node is None:
                node = ET.SubElement(tree.getroot(), element)
            for key, value in attrs.items():
                node.set(key, value)
    return edit


async def request(client, payload_xml, to="localhost"):
    iq = client.Iq()
    iq["type"] = "get"
    iq["to"] = to
    iq.append(SET.fromstring(payload_xml))
    return await client.query(iq)


async def version_of(suite):
    alice = await login(suite, ALICE + "/phone", "pw")
    answer = await request(alice, "<query xmlns='%s'/>" % NS_VERSION)
    info = await alice["xep_0030"].get_info(jid="localhost")
    await alice.close()
    return answer, info["disco_info"]["features"]


def test_version_shows_name_and_version(suites):
    suite = suites.make()
    suite.add_user("alice", "pw")

    async def body():
        answer, features = await version_of(suite)
        assert answer["type"] == "result"
        assert answer["from"] == "localhost"
        query = answer.xml.find("{%s}query" % NS_VERSION)
        assert query.findtext("{%s}name" % NS_VERSION) == "jabberd-ng"
        assert query.findtext("{%s}version" % NS_VERSION) == project_version()
        # XEP-0092 §5: the operating system only when asked for.
        assert query.find("{%s}os" % NS_VERSION) is None
        assert NS_VERSION in features

    run(body())


def test_version_with_os_or_name_only(suites):
    with_os = suites.make(edit=sm_setting("version", show="os"))
    with_os.add_user("alice", "pw")
    name_only = suites.make(edit=sm_setting("version", show="name"))
    name_only.add_user("alice", "pw")

    async def body():
        answer, _ = await version_of(with_os)
        query = answer.xml.find("{%s}query" % NS_VERSION)
        assert query.findtext("{%s}version" % NS_VERSION) == project_version()
        assert query.findtext("{%s}os" % NS_VERSION) == "%s %s" % (os.uname().sysname,
                                                                    os.uname().release)
        answer, _ = await version_of(name_only)
        query = answer.xml.find("{%s}query" % NS_VERSION)
        assert query.findtext("{%s}name" % NS_VERSION) == "jabberd-ng"
        assert query.find("{%s}version" % NS_VERSION) is None
        assert query.find("{%s}os" % NS_VERSION) is None

    run(body())


def test_version_hidden(suites):
    suite = suites.make(edit=sm_setting("version", hidden="true"))
    suite.add_user("alice", "pw")

    async def body():
        answer, features = await version_of(suite)
        assert answer["type"] == "error"
        assert error_condition(answer) == "service-unavailable"
        assert NS_VERSION not in features

    run(body())


def test_entity_time(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        answer = await request(alice, "<time xmlns='%s'/>" % NS_TIME)
        after = datetime.datetime.now(datetime.timezone.utc)
        assert answer["type"] == "result"
        time = answer.xml.find("{%s}time" % NS_TIME)
        # XEP-0202 §3: the offset as an XEP-0082 TZD, the time in UTC.
        tzo = time.findtext("{%s}tzo" % NS_TIME)
        assert re.fullmatch(r"[+-]\d\d:\d\d", tzo), tzo
        utc = time.findtext("{%s}utc" % NS_TIME)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc), utc
        stamp = datetime.datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        assert before <= stamp <= after
        # The local offset of the server is the one Python sees here.
        local = datetime.datetime.now().astimezone().utcoffset()
        minutes = int(local.total_seconds()) // 60
        assert tzo == "%s%02d:%02d" % ("-" if minutes < 0 else "+", abs(minutes) // 60,
                                       abs(minutes) % 60)
        await alice.close()

    run(body())


def test_features_advertised(suite):
    suite.add_user("alice", "pw")

    async def body():
        alice = await login(suite, ALICE + "/phone", "pw")
        info = await alice["xep_0030"].get_info(jid="localhost")
        features = info["disco_info"]["features"]
        for feature in (NS_PING, NS_TIME, NS_VERSION, "urn:xmpp:carbons:2",
                        "http://jabber.org/protocol/vacation"):
            assert feature in features, feature
        assert len(features) == len(set(features))
        await alice.close()

    run(body())


def test_idle_session_that_never_answers_pings_is_ended(suites):
    suite = suites.make(edit=sm_setting("ping", idle="1", timeout="2"))
    suite.add_user("alice", "pw")
    suite.add_user("bob", "pw")

    async def body():
        # bob's client answers pings (slixmpp's XEP-0199 plugin) and stays.
        bob = await login(suite, "bob@localhost/desk", "pw")
        raw = Raw(suite)
        try:
            # The raw socket blocks: off the event loop, so that bob's client
            # goes on reading (and answering its own pings) meanwhile.
            await asyncio.to_thread(raw.login_plain, "alice", "pw", resource="silent")
            # XEP-0199 §4.2: after a second of silence, the server asks ...
            text = await asyncio.to_thread(
                raw.read_until, re.compile(rb"<ping xmlns=['\"]urn:xmpp:ping['\"]"), timeout=10)
            assert re.search(r"<iq[^>]*from=['\"]localhost['\"]", text), text
            assert re.search(r"<iq[^>]*type=['\"]get['\"]", text), text
            # ... and, with no answer within the timeout, the session ends:
            # its c2s closes the stream (RFC 6120 §4.9.3.4).
            assert await asyncio.to_thread(raw.error_and_close, timeout=10) == "connection-timeout"
        finally:
            raw.close()
        assert suite.wait_log("sm-1", "did not answer a ping")
        # bob was pinged too, answered, and is still there.
        pinged = [st for st in bob.seen
                  if st.name == "iq" and st.xml.find("{%s}ping" % NS_PING) is not None]
        assert pinged and str(pinged[0]["from"]) == "localhost"
        assert not bob.gone.is_set()
        answer = await request(bob, "<ping xmlns='%s'/>" % NS_PING)
        assert answer["type"] == "result"
        await bob.close()

    run(body())
